//go:build js && wasm

package worker

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"runtime"
	"syscall/js"
	"time"
	"unsafe"
)

// Serve serves p in a Worker and never returns. Build the Worker with the
// edgeworker command (worker/cmd/edgeworker): its glue (js/worker.mjs)
// starts the Go program inside the first request and keeps it for the
// requests after it, one at a time. [Env] gives the request's env. The
// glue hands Go each request's env and ctx the way the glue of
// github.com/syumai/workers does (as the global `context`), so that its
// bindings packages (cloudflare, kv, fetch, ...) can be used as usual.
//
// A handler that flushes (http.Flusher) streams its response: see
// [Pipeline.ServeHTTP].
func Serve(p *Pipeline) {
	binding := js.Global().Get("context").Get("binding")
	respond := binding.Get("respond")
	binding.Set("maxBodyBytes", p.opts.MaxBodyBytes)
	binding.Set("timeout", p.opts.Timeout.Milliseconds())
	binding.Set("crash", uintptr(unsafe.Pointer(&crash)))
	p.onStepped = func(req *Request) {
		crashHead = appendResponseHead(crashHead[:0], req.ResponseHeader)
		crash = [2]uint32{uint32(uintptr(unsafe.Pointer(unsafe.SliceData(crashHead)))), uint32(len(crashHead))}
	}
	served, respondTo = p, respond
	p.watch = watchRequest
	go serveEach()
	// These live as long as the Go program: never released.
	// js/worker.mjs calls refused before a request, with the requests it
	// refused since the last one (see ErrOverloaded).
	binding.Set("refused", js.FuncOf(func(_ js.Value, args []js.Value) any {
		refusedFromJS(p, args[0])
		return nil
	}))
	// js/worker.mjs calls expire when the pipeline's Timeout has passed.
	binding.Set("expire", js.FuncOf(func(js.Value, []js.Value) any {
		end(context.DeadlineExceeded)
		return nil
	}))
	// A streamed response's ReadableStream pulls a chunk, or is cancelled
	// as its client went away.
	chunk = binding.Get("chunk")
	binding.Set("pull", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case pulls <- struct{}{}:
		default:
		}
		return nil
	}))
	binding.Set("cancel", js.FuncOf(func(js.Value, []js.Value) any {
		end(context.Canceled)
		return nil
	}))
	serveEvents(p, binding)
	binding.Call("ready")
	select {}
}

// The pipeline Serve serves, and the glue's respond function.
var (
	served    *Pipeline
	respondTo js.Value
)

// incoming is a request on its way from worker_serve to serveEach.
type incoming struct {
	r      *http.Request
	cancel context.CancelCauseFunc
	err    error
}

// requests holds the request worker_serve read until serveEach takes it:
// a Go runtime serves one request at a time.
var requests = make(chan incoming, 1)

// workerServe reads the request js/worker.mjs wrote to buf (n bytes, the
// body's length or -1, its declared length) and hands it to serveEach;
// js/worker.mjs then resumes Go, which serves it. An export costs less
// than a js.FuncOf call, whose event goes through several JavaScript
// values; it must not block, so a request it cannot hand over (there is
// none, as the glue waits for each request's end) gets a goroutine.
//
//go:wasmexport worker_serve
func workerServe(n, body, length int32) {
	crash[1] = 0
	r, cancel, err := newRequest(buf[:n], int(body), int(length), served.opts.Timeout)
	expire = cancel
	select {
	case requests <- incoming{r, cancel, err}:
	default:
		go serve(served, respondTo, r, cancel, err)
	}
}

// serveEach serves the requests one after another on one goroutine, whose
// stack has grown to what serving takes: a new goroutine per request would
// grow its stack anew every time.
func serveEach() {
	for in := range requests {
		serve(served, respondTo, in.r, in.cancel, in.err)
	}
}

// The request crosses from js/worker.mjs in Go's memory, not as JavaScript
// values: each value crossing costs a call and a finalizer. buf holds the
// request head, as parseRequestHead reads it, then the body.
var buf = make([]byte, 4<<10) // grown by worker_buffer

//go:wasmexport worker_buffer
func workerBuffer(size int32) uint32 {
	if int(size) > len(buf) {
		buf = make([]byte, max(int(size), 2*len(buf)))
	}
	return uint32(uintptr(unsafe.Pointer(&buf[0])))
}

// crash tells js/worker.mjs where to find the header fields of the 500 it
// sends if the Go program dies while serving a request: the address and
// length of crashHead, which holds the middleware's ResponseHeader once
// they have all run (length 0 until then).
var (
	crash     [2]uint32
	crashHead []byte
)

// serve serves one request and reports to js/worker.mjs: respond(head
// ptr, head length, body ptr, body length, status, finished) with the
// response head and body where they are in Go's memory, then, unless
// finished was true, respond() with no arguments once all its work is
// over, WaitUntil tasks included.
func serve(p *Pipeline, respond js.Value, r *http.Request, cancel context.CancelCauseFunc, err error) {
	if err != nil {
		out := newResponse(http.Header{}, -1)
		out.status = http.StatusBadRequest
		out.header.Set("Content-Type", "text/plain; charset=utf-8")
		out.body.WriteString("bad request: " + err.Error() + "\n")
		out.finish()
		send(p, respond, out, cancel)
		return
	}
	p.serve(r, func(out *response, done func()) {
		if out.streamed() {
			defer cancel(context.Canceled)
			serveStream(respond, out)
			done()
			over(p, respond)
			return
		}
		done()
		send(p, respond, out, cancel)
	})
}

// send hands out, a response whose Done listeners have been started, to
// js/worker.mjs, then cancels its request's context.
func send(p *Pipeline, respond js.Value, out *response, cancel context.CancelCauseFunc) {
	defer cancel(context.Canceled)
	responseHead = appendResponseHead(responseHead[:0], out.header)
	body := out.body.Bytes()
	// Done listeners and WaitUntil tasks that need no JavaScript finish
	// before Go returns to JavaScript anyway: let them run now, so that one
	// call can hand over the response and say the work is over.
	runtime.Gosched()
	finished := p.idle()
	respond.Invoke(address(responseHead), len(responseHead), address(body), len(body), out.status, finished)
	runtime.KeepAlive(body)
	if cap(responseHead) > 64<<10 {
		responseHead = nil // a rare large head is not kept for good
	}
	if !finished {
		over(p, respond)
	}
}

// responseHead holds the head of the response being sent: js/worker.mjs
// has read it when respond returns, so one buffer serves every request.
var responseHead []byte

// address is where b is in Go's memory, for js/worker.mjs to read it.
func address(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// over tells js/worker.mjs, with respond(), once all the work of the
// request is over, WaitUntil tasks included.
func over(p *Pipeline, respond js.Value) {
	p.Wait(context.Background())
	respond.Invoke()
}

// serveStream sends a streamed response: its head with respond(ptr, head
// length, 0, 0, status, false, true), which makes js/worker.mjs answer with a
// ReadableStream; then a chunk, chunk(ptr, length, last, failure), each time
// that stream pulls (binding.pull), until the handler's last; or, when the
// client goes away (the stream's cancel: binding.cancel), it cancels the
// request's context and drops what the handler still writes.
func serveStream(respond js.Value, out *response) {
	select {
	case <-pulls: // left by an earlier stream
	default:
	}
	b := appendResponseHead(nil, out.sentHeader())
	respond.Invoke(address(b), len(b), 0, 0, out.status, false, true)
	runtime.KeepAlive(b)
	s := out.stream
	for {
		select {
		case <-pulls:
		case <-s.ctx.Done():
			for range s.chunks { // the handler returns soon: its writes fail
			}
			return
		}
		b, more := <-s.chunks
		var failure any // null: the stream goes on, or ends well
		if !more && s.err != nil {
			failure = "the handler failed after its response had started"
		}
		chunk.Invoke(uintptr(unsafe.Pointer(unsafe.SliceData(b))), len(b), !more, failure)
		runtime.KeepAlive(b)
		if !more {
			return
		}
	}
}

// pulls has a token for each chunk js/worker.mjs's ReadableStream asks for
// (binding.pull): a stream sends a chunk only when asked, so that a slow
// client slows the handler down. A Go program serves one request at a time.
var pulls = make(chan struct{}, 1)

// chunk is binding.chunk, which hands a stream's chunks to js/worker.mjs.
var chunk js.Value

// newRequest reads a request from what js/worker.mjs wrote to buf: the
// request head, then body bytes (-1: no body). length is the body's
// length, or its declared length when it was too large to read.
func newRequest(b []byte, body, length int, timeout time.Duration) (*http.Request, context.CancelCauseFunc, error) {
	if body > len(b) {
		return nil, func(error) {}, errBadHead
	}
	method, u, header, err := parseRequestHead(b[:len(b)-max(body, 0)])
	if err != nil {
		return nil, func(error) {}, err
	}
	// As net/http's server: the Host header becomes Request.Host.
	host := u.Host
	if h := header.Get("Host"); h != "" {
		host = h
	}
	delete(header, "Host")
	r := &http.Request{
		Method:        method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          http.NoBody,
		ContentLength: int64(length),
		Host:          host,
		RemoteAddr:    header.Get("Cf-Connecting-Ip"),
		RequestURI:    u.RequestURI(),
	}
	if body >= 0 {
		r.Body = io.NopCloser(bytes.NewReader(bytes.Clone(b[len(b)-body:])))
	}
	ctx, cancel := context.WithCancelCause(requestContext)
	if timeout > 0 {
		ctx = &deadlineCtx{Context: ctx, deadline: time.Now().Add(timeout)}
	}
	return r.WithContext(ctx), cancel, nil
}

// requestContext is what every request's context derives from.
var requestContext = context.WithValue(context.Background(), envKey{}, true)

// expire cancels the context of the request being served; a Go program
// serves one request at a time.
var expire = func(error) {}

// end ends the request being served before its time, with cause: its
// deadline passed, or its client went away. It runs what the pipeline
// watches for (see watchRequest) on a goroutine of its own: the glue's
// calls must not block.
func end(cause error) {
	expire(cause)
	if f := watching; f != nil {
		watching = nil
		go f()
	}
}

// watching is what the pipeline runs should the request being served end
// while a step still runs (it answers at once).
var watching func()

// watchRequest is the pipeline's watch in a Worker, where only end ends a
// request's context before its answer: context.AfterFunc would add a child
// to that context and take it away again, some 5% of the CPU time of a
// request through the glue.
func watchRequest(ctx context.Context, f func()) (stop func() bool) {
	if ctx.Err() != nil { // ended while it waited to be served
		go f()
		return func() bool { return false }
	}
	watching = f
	return stopWatching
}

func stopWatching() bool {
	watched := watching != nil
	watching = nil
	return watched
}

// deadlineCtx is a context whose deadline a JavaScript timer enforces (see
// withTimeout). Like context.WithTimeout's contexts, its Err is
// context.DeadlineExceeded once the deadline has passed; contexts derived
// from it report context.Canceled, with DeadlineExceeded as their Cause.
type deadlineCtx struct {
	context.Context // cancelled with cause DeadlineExceeded by expire
	deadline        time.Time
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *deadlineCtx) Err() error {
	if c.Context.Err() == nil {
		return nil
	}
	return context.Cause(c.Context)
}

// idle reports whether nothing of the pipeline is running, without waiting.
func (p *Pipeline) idle() bool {
	return p.pending.idle() && p.Done.Wait(alreadyDone) == nil
}

// alreadyDone is a context that is already done: Wait with it only looks.
var alreadyDone = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()
