package worker

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// ErrOverloaded is the cause of a request that the Worker's glue refused
// with 503 and Retry-After before it reached the pipeline: the isolate's Go
// runtimes were all busy within their memory budget (the Worker's GO_POOL
// variable, see js/worker.mjs), and the request found the queue full or
// waited in it too long. The pipeline hears of such requests when one of
// its runtimes next serves: OnError gets an error that wraps ErrOverloaded
// for each, and Done a [Result] with status 503, that error, and the time
// the request waited as Duration.
var ErrOverloaded = errors.New("worker: no Go runtime free within the memory budget")

// ErrWaitUntilDeadline is what OnError gets for a request whose work went
// on past the Worker's GO_POOL waitUntilTimeoutMs after its response: a
// [WaitUntil] task or a Done listener that had not returned; or for a Cron
// or Queue event whose WaitUntil tasks went on that long after its
// listeners returned (the request OnError gets has the Method "SCHEDULED"
// or "QUEUE", and no URL). The glue retired the Go runtime running it, so
// that it holds no place in the memory budget; that work never finishes.
// The pipeline hears of it when one of its runtimes next serves (Done heard
// of the request when its response went out).
var ErrWaitUntilDeadline = errors.New("worker: the request's work went on past GO_POOL's waitUntilTimeoutMs; its Go runtime was retired")

// overloadError says why a request was refused.
type overloadError struct{ reason string }

func (e *overloadError) Error() string { return ErrOverloaded.Error() + ": " + e.reason }
func (e *overloadError) Unwrap() error { return ErrOverloaded }

// refused tells the pipeline of a request the glue answered with 503.
func (p *Pipeline) refused(ctx context.Context, r *http.Request, waited time.Duration, retryAfter int, reason string) {
	err := &HTTPError{Status: http.StatusServiceUnavailable, Err: &overloadError{reason}}
	p.report(r, err)
	header := http.Header{"Content-Type": {"application/json"}, "Retry-After": {strconv.Itoa(retryAfter)}}
	p.Done.Emit(ctx, Result{Request: r, Status: http.StatusServiceUnavailable, Header: header, Duration: waited, Err: err})
}
