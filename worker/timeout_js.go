//go:build js && wasm

package worker

import (
	"context"
	"syscall/js"
	"time"
)

// withTimeout is context.WithTimeout, or ctx itself for d <= 0, with the
// timer kept in JavaScript. A stopped Go timer leaves the runtime's wake-up
// setTimeout pending until it fires, and a Go instance with a timeout
// pending cannot serve the next request (see js/worker.mjs): every request
// would boot a new runtime.
func withTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return parent, func() {}
	}
	ctx, cancel := context.WithCancelCause(parent)
	fire := js.FuncOf(func(js.Value, []js.Value) any {
		cancel(context.DeadlineExceeded)
		return nil
	})
	timer := js.Global().Call("setTimeout", fire, d.Milliseconds())
	stop := func() {
		js.Global().Call("clearTimeout", timer)
		fire.Release()
		cancel(context.Canceled)
	}
	return &deadlineCtx{Context: ctx, deadline: time.Now().Add(d)}, stop
}

// deadlineCtx reports a deadline and, once it has passed,
// context.DeadlineExceeded from Err, as context.WithTimeout's contexts do.
// Contexts derived from it report context.Canceled, with
// context.DeadlineExceeded as their context.Cause.
type deadlineCtx struct {
	context.Context
	deadline time.Time
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *deadlineCtx) Err() error {
	if c.Context.Err() == nil {
		return nil
	}
	return context.Cause(c.Context)
}
