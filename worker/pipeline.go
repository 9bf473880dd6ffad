package worker

import (
	"context"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
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
	Header   http.Header   // the headers sent (net/http or the glue clean their values on the wire)
	Duration time.Duration // from the start of the pipeline to the response
	Err      error         // the error that became the response, nil if the handler's response was sent
}

// Options tunes a [Pipeline]. The zero value gives the defaults.
type Options struct {
	// Timeout bounds middleware and handler together; when it passes, the
	// request's context is done and the response is 504. Zero means none.
	Timeout time.Duration
	// MaxBodyBytes is the largest request body served; a larger one gets 413.
	// Zero means DefaultMaxBodyBytes, below zero no limit.
	MaxBodyBytes int64
	// MaxResponseBytes is the largest response body a handler may write.
	// Responses are buffered before they are sent (in a Worker, in the Go
	// runtime's memory, which never shrinks): past it the handler's Write
	// fails and the response is a 500. Zero means DefaultMaxResponseBytes,
	// below zero no limit.
	MaxResponseBytes int64
	// OnError receives the errors that became a 5xx response, for logging:
	// the response itself says no more than its status. Nil means log.Printf.
	OnError func(r *http.Request, err error)
}

// DefaultMaxResponseBytes is the response body limit of a [Pipeline] whose
// [Options].MaxResponseBytes is zero.
const DefaultMaxResponseBytes = 16 << 20

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
	// Scheduled is emitted for each Cron Trigger firing, by
	// [Pipeline.HandleScheduled]: its listeners run concurrently, and an
	// error or panic of one fails the invocation.
	Scheduled *signals.AsyncSignal[ScheduledEvent]
	// Queue is emitted for each message of a Queue batch, by
	// [Pipeline.HandleQueue]: its listeners run in order, like Middleware,
	// and the first error retries the message; their success acknowledges it.
	Queue *signals.SyncSignal[Message]

	// handler is the last step, with the key "handler": a signal of its own
	// so that its panics become the same *signals.PanicError as the
	// middleware's.
	handler *signals.SyncSignal[*exchange]
	opts    Options
	pending tracker // requests being served and WaitUntil tasks
	// onStepped, if set, sees each request once its middleware have all
	// returned (in a Worker, Serve keeps their headers for the glue).
	onStepped func(*Request)
	steppers  chan stepper // idle goroutines that run steps, see goStep
	// watch runs f on a goroutine of its own should ctx be done, until
	// stop is called: context.AfterFunc, or Serve's cheaper one in a Worker.
	watch func(ctx context.Context, f func()) (stop func() bool)
}

// New returns a pipeline with no middleware that serves requests with h.
// A nil opts means the defaults.
func New(h http.Handler, opts *Options) *Pipeline {
	p := &Pipeline{
		Middleware: signals.NewSync[*Request](),
		Done:       &signals.AsyncSignal[Result]{},
		Scheduled:  &signals.AsyncSignal[ScheduledEvent]{},
		Queue:      signals.NewSync[Message](),
		handler:    signals.NewSync[*exchange](),
		steppers:   make(chan stepper, maxIdleSteppers),
		watch:      context.AfterFunc,
	}
	p.handler.AddListener(func(ctx context.Context, x *exchange) {
		h.ServeHTTP(x.out, x.req.Request)
	}, "handler")
	if opts != nil {
		p.opts = *opts
	}
	if p.opts.MaxBodyBytes == 0 {
		p.opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if p.opts.MaxResponseBytes == 0 {
		p.opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return p
}

// ServeHTTP runs the middleware and then the handler, and writes what they
// produce to w. The first middleware error, a timeout or a panic writes
// a JSON error response instead, and nothing the handler wrote is sent:
//   - an error wrapping an [*HTTPError]: its status and body (a Status that
//     is not 4xx or 5xx is a mistake: 500);
//   - [context.DeadlineExceeded], or the pipeline's Timeout passing: 504;
//   - a body larger than MaxBodyBytes ([*http.MaxBytesError]): 413, once
//     the middleware have run (they may answer first, say 401);
//   - a panic, or any other error: 500, with no detail (OnError gets it);
//   - a response that cannot be sent as written: 500 too (a status
//     outside 200-599, a body past MaxResponseBytes or shorter than the
//     Content-Length the handler declared).
//
// The headers the middleware put in [Request].ResponseHeader are on every
// response once the middleware have all run, and on a middleware's own
// error. A handler that sets no Content-Type gets the one net/http would
// sniff ([http.DetectContentType]). The request's context carries what
// [WaitUntil] needs. ServeHTTP returns once the response is written; Done
// listeners and WaitUntil tasks may still be running, see [Pipeline.Wait].
func (p *Pipeline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.pending.add()
	defer p.pending.done()
	// The steps run on a goroutine of their own, so that a timeout can
	// answer while a step still runs.
	answered := make(chan struct{})
	p.goStep(func() {
		p.serve(r, func(out *response, done func()) {
			out.writeTo(w)
			done()
			close(answered)
		})
	})
	<-answered
}

// exchange is one request going through the pipeline.
type exchange struct {
	req    *Request
	out    *response // what the handler writes
	stream *stream   // its body, should the handler flush
	// stepped is set once every middleware has returned: from then on
	// req is the pipeline's to read, even while the handler still runs.
	stepped atomic.Bool
	// answered is set by whoever hands the response over: the steps'
	// end, the context's, or the handler's first Flush.
	answered atomic.Bool
	// ended gets the steps' error once they have returned, when the
	// response streams.
	ended chan error
}

// serve runs the pipeline for r on the calling goroutine and hands the
// response to send to answer, once, with done, which emits Done once the
// response is on its way. answer is called on the calling goroutine once
// the steps have returned, unless it was called before on a goroutine of
// its own: when the request's context was done while a step still ran (the
// timeout passed, or the client went away; what that step then writes is
// dropped), or when the handler flushed (the response streams while the
// handler writes on; done then waits for the handler to return).
//
// Running the steps on the serving goroutine, rather than on a goroutine
// of their own while this one waits, saves two goroutine switches a
// request: in js/wasm, where Go runs on one thread inside JavaScript's
// calls, those are a good part of a request's cost.
func (p *Pipeline) serve(r *http.Request, answer func(out *response, done func())) {
	start := time.Now()
	p.pending.add()
	ctx := context.WithValue(r.Context(), pipelineKey{}, p)
	ctx, stop := withTimeout(ctx, p.opts.Timeout)
	x := &exchange{req: &Request{Request: r.WithContext(ctx), ResponseHeader: http.Header{}}, stream: newStream(ctx)}

	// The context's end answers with its cause.
	ended := func() {
		req := x.req
		if !x.stepped.Load() { // a middleware may still run and own req
			req = &Request{Request: r.WithContext(ctx), ResponseHeader: http.Header{}}
		}
		err := context.Cause(ctx)
		p.answer(answer, req, p.errorResponse(req, err), err, start, ctx, stop)
	}
	stopWatch := p.watch(ctx, func() {
		if x.answered.CompareAndSwap(false, true) { // else the response streams
			ended()
		}
	})
	x.stream.started = func() {
		if !x.answered.CompareAndSwap(false, true) {
			return // answered already: the context was done
		}
		// The deadline bounded the time to the response's head only. Done
		// is emitted once the handler has returned.
		x.ended = make(chan error, 1)
		out := x.out
		result := Result{Request: x.req.Request, Status: out.status, Header: out.sentHeader(), Duration: time.Since(start)}
		go answer(out, func() {
			err := <-x.ended
			stop()
			result.Err = err
			p.Done.Emit(context.WithoutCancel(ctx), result)
		})
	}

	err := p.run(ctx, x)
	stopWatch()
	if x.out.streamed() {
		if err != nil {
			p.report(x.req.Request, err) // the status is sent: the stream is cut short
		}
		x.out.endStream(err)
	}
	p.pending.done()
	if x.ended != nil {
		x.ended <- err
	}
	if !x.answered.CompareAndSwap(false, true) {
		return // answered already
	}
	if ctx.Err() != nil {
		// The steps ended as the context did (a handler that returns
		// when its deadline passes): the context's end answers, as if
		// it had come first.
		ended()
		return
	}
	out := x.out
	if err != nil {
		out = p.errorResponse(x.req, err)
	}
	p.answer(answer, x.req, out, err, start, ctx, stop)
}

// answer finishes out, the response to req, and hands it to answer with
// the function that emits Done.
func (p *Pipeline) answer(answer func(*response, func()), req *Request, out *response, err error, start time.Time, ctx context.Context, stop func()) {
	stop()
	out.finish()
	result := Result{Request: req.Request, Status: out.status, Header: out.header, Duration: time.Since(start), Err: err}
	answer(out, func() { p.Done.Emit(context.WithoutCancel(ctx), result) })
}

// A stepper is an idle goroutine that runs the steps of requests one after
// another: in js/wasm a new goroutine per request would grow its stack anew
// every time, a tenth of a request's work there.
type stepper chan func()

// maxIdleSteppers is how many steppers wait for work at most: enough for
// the messages of a Queue batch (at most 100 on Cloudflare), each on its own.
const maxIdleSteppers = 100

// goStep runs f on an idle stepper, or on a new goroutine that then stays
// as a stepper.
func (p *Pipeline) goStep(f func()) {
	select {
	case s := <-p.steppers:
		s <- f
	default:
		go p.step(make(stepper, 1), f)
	}
}

func (p *Pipeline) step(s stepper, f func()) {
	for {
		f()
		select {
		case p.steppers <- s:
		default:
			return // enough wait already
		}
		f = <-s
	}
}

// run is the pipeline proper: body limit, middleware, handler.
func (p *Pipeline) run(ctx context.Context, x *exchange) error {
	req := x.req
	limit := p.opts.MaxBodyBytes
	tooLarge := limit > 0 && req.Body != nil && req.ContentLength > limit
	switch {
	case tooLarge: // known too large: fail the reads, answer 413 after the middleware
		req.Body = tooLargeBody{limit}
	case limit > 0 && req.Body != nil:
		req.Body = http.MaxBytesReader(nil, req.Body, limit)
	}
	if err := p.Middleware.TryEmit(ctx, req); err != nil {
		return err
	}
	x.stepped.Store(true)
	if p.onStepped != nil {
		p.onStepped(req)
	}
	if tooLarge {
		return &http.MaxBytesError{Limit: limit}
	}
	header := req.ResponseHeader.Clone()
	if header == nil {
		header = http.Header{}
	}
	x.out = newResponse(header, p.opts.MaxResponseBytes)
	x.out.stream = x.stream
	if err := p.handler.TryEmit(ctx, x); err != nil {
		return err
	}
	return x.out.check(req.Method)
}

// tooLargeBody is the body of a request whose declared length is over the
// limit: reading it fails as reading past http.MaxBytesReader's limit does.
type tooLargeBody struct{ limit int64 }

func (b tooLargeBody) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: b.limit} }
func (b tooLargeBody) Close() error             { return nil }

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
