package worker

import (
	"context"
	"time"
)

// withTimeout is context.WithTimeout, or ctx itself for d <= 0 and when ctx
// already has a deadline as early. In a Worker, Serve's request contexts
// have the pipeline's deadline, enforced by a JavaScript timer: a stopped Go
// timer leaves the runtime's wake-up setTimeout pending until it fires, and
// a Go runtime with a timeout pending cannot serve the next request (see
// js/worker.mjs).
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	if deadline, ok := ctx.Deadline(); ok && !deadline.After(time.Now().Add(d)) {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
