package signals_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/edgesignals/edgesignals/signals"
)

// The baselines are what any panic-safe emitter must pay: a function that is
// not inlined and ranges over plain listeners under one deferred recover.
// The TryEmit baselines also return a panic as an error.

//go:noinline
func plainEmit(ctx context.Context, fs []func(context.Context, int), v int) {
	defer func() { _ = recover() }()
	for _, f := range fs {
		f(ctx, v)
	}
}

//go:noinline
func plainTryEmitNoErr(ctx context.Context, fs []func(context.Context, int), v int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	for _, f := range fs {
		f(ctx, v)
	}
	return nil
}

//go:noinline
func plainTryEmit(ctx context.Context, fs []func(context.Context, int) error, v int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	for _, f := range fs {
		if err := f(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// sink keeps the listeners' work from being optimised away. It is a plain
// variable: an atomic store is a full barrier that would dwarf what is measured.
var sink int

//go:noinline
func work(_ context.Context, v int) { sink = v }

//go:noinline
func workErr(_ context.Context, v int) error { sink = v; return nil }

var sizes = []int{1, 10, 100}

func BenchmarkSyncEmit(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("plain/n=%d", n), func(b *testing.B) {
			fs := make([]func(context.Context, int), n)
			for i := range fs {
				fs[i] = work
			}
			b.ReportAllocs()
			for b.Loop() {
				plainEmit(ctx, fs, 1)
			}
		})
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("signals/keyed=%v/n=%d", keyed, n), func(b *testing.B) {
				s := signals.NewSync[int]()
				for i := range n {
					s.AddListener(work, key(keyed, i))
				}
				b.ReportAllocs()
				for b.Loop() {
					s.Emit(ctx, 1)
				}
			})
		}
	}
}

// BenchmarkSyncTryEmit runs TryEmit over listeners that can fail (added with
// AddListenerWithErr).
func BenchmarkSyncTryEmit(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("plain/n=%d", n), func(b *testing.B) {
			fs := make([]func(context.Context, int) error, n)
			for i := range fs {
				fs[i] = workErr
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = plainTryEmit(ctx, fs, 1)
			}
		})
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("signals/keyed=%v/n=%d", keyed, n), func(b *testing.B) {
				s := signals.NewSync[int]()
				for i := range n {
					s.AddListenerWithErr(workErr, key(keyed, i))
				}
				b.ReportAllocs()
				for b.Loop() {
					_ = s.TryEmit(ctx, 1)
				}
			})
		}
	}
}

// BenchmarkSyncTryEmitNoErr runs TryEmit over listeners that cannot fail
// (added with AddListener).
func BenchmarkSyncTryEmitNoErr(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("plain/n=%d", n), func(b *testing.B) {
			fs := make([]func(context.Context, int), n)
			for i := range fs {
				fs[i] = work
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = plainTryEmitNoErr(ctx, fs, 1)
			}
		})
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("signals/keyed=%v/n=%d", keyed, n), func(b *testing.B) {
				s := signals.NewSync[int]()
				for i := range n {
					s.AddListener(work, key(keyed, i))
				}
				b.ReportAllocs()
				for b.Loop() {
					_ = s.TryEmit(ctx, 1)
				}
			})
		}
	}
}

func key(keyed bool, i int) string {
	if !keyed {
		return ""
	}
	return fmt.Sprintf("listener-%d", i)
}

// BenchmarkAsyncEmit compares an AsyncSignal's Emit with starting each
// listener with a bare go statement. Results are per emit.
func BenchmarkAsyncEmit(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("go-statement/n=%d", n), func(b *testing.B) {
			var ran atomic.Int64
			fs := make([]func(context.Context, int), n)
			for i := range fs {
				fs[i] = func(context.Context, int) { ran.Add(1) }
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range fs {
					go f(ctx, 1)
				}
			}
			for ran.Load() != int64(b.N*n) {
				runtime.Gosched()
			}
		})
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("signals/keyed=%v/n=%d", keyed, n), func(b *testing.B) {
				var ran atomic.Int64
				var s signals.AsyncSignal[int]
				for i := range n {
					s.AddListener(func(context.Context, int) { ran.Add(1) }, key(keyed, i))
				}
				b.ReportAllocs()
				for b.Loop() {
					s.Emit(ctx, 1)
				}
				if err := s.Wait(ctx); err != nil || ran.Load() != int64(b.N*n) {
					b.Fatalf("ran %d of %d listener calls, Wait: %v", ran.Load(), b.N*n, err)
				}
			})
		}
	}
}

// BenchmarkParallelEmit emits on one SyncSignal with 10 listeners from
// GOMAXPROCS goroutines; run it with -cpu 1,2,8.
func BenchmarkParallelEmit(b *testing.B) {
	s := signals.NewSync[int]()
	for range 10 {
		s.AddListener(func(context.Context, int) {})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			s.Emit(ctx, 1)
		}
	})
}

// BenchmarkAddRemove adds and removes one keyed listener on a signal that
// already has n: the cost of a copy-on-write update.
func BenchmarkAddRemove(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s := signals.NewSync[int]()
			for i := range n {
				s.AddListener(work, key(true, i))
			}
			b.ReportAllocs()
			for b.Loop() {
				s.AddListener(work, "extra")
				s.RemoveListener("extra")
			}
		})
	}
}
