package signals

import (
	"context"
	"unsafe"
)

// orBackground returns ctx, or context.Background() if ctx is nil.
func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// mayEnd reports whether the context at ctx can ever be done, which is when
// an emit must test it before every listener.
//
// Most emits pass context.Background() or context.TODO(). Asking them
// ctx.Done() is a dynamic call that cost a sync emit to one listener a fifth
// of its time, so mayEnd knows the two by the method table in the first word
// of the interface value: a compare, inlined into the emit loops. It reads
// that word where the emit keeps its context (hence the pointer): a copy of
// the context made only to be read would cost two stores and a load.
func mayEnd(ctx *context.Context) bool {
	switch *(*unsafe.Pointer)(unsafe.Pointer(ctx)) {
	case backgroundTable, todoTable:
		return false
	}
	return hasDone(*ctx)
}

// hasDone is apart from mayEnd to keep mayEnd within the compiler's budget
// for inlining.
//
//go:noinline
func hasDone(ctx context.Context) bool { return ctx.Done() != nil }

var (
	backgroundTable = methodTable(context.Background())
	todoTable       = methodTable(context.TODO())
)

// methodTable returns the first word of ctx, a pointer to the method table
// of its dynamic type; Go lays out every non-empty interface value that way,
// on every platform.
func methodTable(ctx context.Context) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&ctx))
}
