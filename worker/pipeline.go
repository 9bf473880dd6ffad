package worker

import (
	"bytes"
	"context"
	"log"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/edgesignals/edgesignals/signals"
)

// DefaultMaxBodyBytes is the request body limit of a [Pipeline] whose
// [Options].MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 1 << 20

// Request is the value a pipeline's middleware receive, one per request.
type Request struct {
	// Request is what the handler will serve: r.Header, r.URL, r.Body are
	// the request's, as on any *http.Request. A middleware may replace it,
	// typically with Request.WithContext to pass a value on.
	*http.Request
	// ResponseHeader is sent with the response, whether the handler writes
	// it (it starts with these in w.Header()) or a middleware error does.
	ResponseHeader http.Header
}

// Result describes a served request to the [Pipeline].Done listeners.
type Result struct {
	Request  *http.Request // the request as the handler (or the failing middleware) saw it
	Status   int           // the status sent
	Header   http.Header   // the headers sent
	Duration time.Duration // from the start of the pipeline to the response
	Err      error         // the error that became the response, nil if the handler wrote it
}

// Options tunes a [Pipeline]. The zero value gives the defaults.
type Options struct {
	// Timeout bounds middleware and handler together; when it passes, the
	// request's context is done and the response is 504. Zero means none.
	Timeout time.Duration
	// MaxBodyBytes is the largest request body served; a larger one gets 413.
	// Zero means DefaultMaxBodyBytes, below zero no limit.
	MaxBodyBytes int64
	// OnError receives the errors that became a 5xx response, for logging:
	// the response itself says no more than its status. Nil means log.Printf.
	OnError func(r *http.Request, err error)
}

// Pipeline serves HTTP requests: its middleware run in order, then its
// handler writes the response. It is an [http.Handler], so it also runs
// outside Workers (in tests, or behind net/http), and [Serve] runs it in a
// Worker.
type Pipeline struct {
	// Middleware are the pipeline's steps, run in order by TryEmit: add them
	// with AddListenerWithErr and a key (the key names the step in errors
	// and lets it be removed). The first error ends the pipeline and becomes
	// the response, see [Pipeline.ServeHTTP].
	Middleware *signals.SyncSignal[*Request]
	// Done is emitted after every response. Its listeners run concurrently
	// and the Worker stays alive until they return, as for [WaitUntil]:
	// request logs, analytics and cache invalidation belong here. Their
	// errors and panics go to the signal's OnError (logged by default).
	Done *signals.AsyncSignal[Result]

	handler http.Handler
	opts    Options
	pending tracker // requests being served and WaitUntil tasks
}

// New returns a pipeline with no middleware that serves requests with h.
// A nil opts means the defaults.
func New(h http.Handler, opts *Options) *Pipeline {
	p := &Pipeline{
		Middleware: signals.NewSync[*Request](),
		Done:       &signals.AsyncSignal[Result]{},
		handler:    h,
	}
	if opts != nil {
		p.opts = *opts
	}
	if p.opts.MaxBodyBytes == 0 {
		p.opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return p
}

// ServeHTTP runs the middleware and then the handler, and writes what they
// produce to w. The first middleware error, a timeout or a panic writes
// a JSON error response instead, and nothing the handler wrote is sent:
//   - an error wrapping an [*HTTPError]: its status and body;
//   - [context.DeadlineExceeded], or the pipeline's Timeout passing: 504;
//   - a body larger than MaxBodyBytes ([*http.MaxBytesError]): 413;
//   - a panic, or any other error: 500, with no detail (OnError gets it).
//
// The request's context carries what [WaitUntil] needs. ServeHTTP returns
// once the response is written; Done listeners and WaitUntil tasks may still
// be running, see [Pipeline.Wait].
func (p *Pipeline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p.pending.add()
	defer p.pending.done()

	ctx := context.WithValue(r.Context(), pipelineKey{}, p)
	ctx, stop := withTimeout(ctx, p.opts.Timeout)
	defer stop()
	req := &Request{Request: r.WithContext(ctx), ResponseHeader: http.Header{}}

	// The steps run on their own goroutine so that a timeout can answer
	// while a step still runs; what that step then writes is dropped.
	out := &response{header: req.ResponseHeader}
	finished := make(chan error, 1)
	p.pending.add()
	go func(req *Request, out *response) {
		defer p.pending.done()
		finished <- p.run(ctx, req, out)
	}(req, out)
	var err error
	select {
	case err = <-finished:
	case <-ctx.Done():
		// The step still running owns req: answer from fresh values.
		err = context.Cause(ctx)
		req = &Request{Request: r.WithContext(ctx), ResponseHeader: http.Header{}}
	}
	if err != nil {
		out = p.errorResponse(req, err)
	}
	out.writeTo(w)

	result := Result{Request: req.Request, Status: out.status, Header: out.header, Duration: time.Since(start), Err: err}
	p.Done.Emit(context.WithoutCancel(ctx), result)
}

// run is the pipeline proper: body limit, middleware, handler.
func (p *Pipeline) run(ctx context.Context, req *Request, out *response) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError("handler", v)
		}
	}()
	if limit := p.opts.MaxBodyBytes; limit > 0 && req.Body != nil {
		if req.ContentLength > limit {
			return &http.MaxBytesError{Limit: limit}
		}
		req.Body = http.MaxBytesReader(out, req.Body, limit)
	}
	if err := p.Middleware.TryEmit(ctx, req); err != nil {
		return err
	}
	p.handler.ServeHTTP(out, req.Request)
	return nil
}

// Wait blocks until every request the pipeline is serving, every Done
// listener and every [WaitUntil] task of its requests has returned, or ctx
// is done.
func (p *Pipeline) Wait(ctx context.Context) error {
	for {
		if err := p.pending.wait(ctx); err != nil {
			return err
		}
		if err := p.Done.Wait(ctx); err != nil {
			return err
		}
		if p.pending.idle() { // else a Done listener called WaitUntil
			return nil
		}
	}
}

// tracker counts running work and lets callers wait for none to be left.
// Unlike a sync.WaitGroup, work may start while someone waits.
type tracker struct {
	mu      sync.Mutex
	n       int
	drained chan struct{} // closed when n drops to zero
}

func (t *tracker) add() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == 0 {
		t.drained = make(chan struct{})
	}
	t.n++
}

func (t *tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n--; t.n == 0 {
		close(t.drained)
	}
}

func (t *tracker) idle() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n == 0
}

func (t *tracker) wait(ctx context.Context) error {
	t.mu.Lock()
	drained := t.drained
	n := t.n
	t.mu.Unlock()
	if n == 0 {
		return nil
	}
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type pipelineKey struct{}

// WaitUntil runs task on its own goroutine, with a context that carries the
// values of ctx but is never cancelled, and keeps the request's Worker alive
// until task returns (Cloudflare's ctx.waitUntil): the response is not
// delayed. A panic in task is logged. Outside a [Pipeline]'s request, task
// simply runs on a goroutine.
func WaitUntil(ctx context.Context, task func(ctx context.Context)) {
	p, _ := ctx.Value(pipelineKey{}).(*Pipeline)
	if p != nil {
		p.pending.add()
	}
	go func() {
		if p != nil {
			defer p.pending.done()
		}
		defer func() {
			if v := recover(); v != nil {
				log.Printf("worker: WaitUntil task panicked: %v", v)
			}
		}()
		task(context.WithoutCancel(ctx))
	}()
}

// response is the buffered response a pipeline writes before sending it.
type response struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *response) Header() http.Header { return r.header }

func (r *response) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *response) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *response) writeTo(w http.ResponseWriter) {
	r.WriteHeader(http.StatusOK)
	h := w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	if h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.Itoa(r.body.Len()))
	}
	w.WriteHeader(r.status)
	w.Write(r.body.Bytes())
}
