package worker

import (
	"bytes"
	"context"
	"net/http"
)

// stream is the body of a response whose handler flushed (http.Flusher):
// the status and header went out at the first Flush, and each Flush after
// it hands the bytes written since to whoever sends the response, waiting
// until they are taken: a client that reads slowly slows the handler
// down. Built for every handler's response; used only if it flushes.
type stream struct {
	started func()      // called at the first Flush, on the handler's goroutine
	chunks  chan []byte // each Flush's bytes; closed once the handler has returned
	ctx     context.Context
	sent    http.Header // the header as it went out at the first Flush
	err     error       // why the handler ended the stream early; read once chunks is closed
}

func newStream(ctx context.Context) *stream {
	return &stream{chunks: make(chan []byte), ctx: ctx}
}

// Flush sends what the handler wrote so far (http.Flusher). The first
// Flush sends the status and the header as they are then (with a sniffed
// Content-Type if the handler set none and wrote something, and no
// Content-Length unless the handler declared one), and the response
// streams from then on. Flush returns once the client side has taken the
// bytes, or the request's context is done (the client went away): the
// handler then sees ctx.Done() and its writes fail.
func (r *response) Flush() {
	s := r.stream
	if s == nil || r.err != nil {
		return // not a handler's response, or one that cannot be sent: it stays buffered
	}
	r.WriteHeader(http.StatusOK)
	if s.sent == nil {
		r.finishHead(true)
		s.sent = r.header.Clone()
		s.started()
	}
	if r.body.Len() > 0 {
		r.send(bytes.Clone(r.body.Bytes()))
		r.body.Reset()
	}
}

// streamed reports whether the handler has flushed.
func (r *response) streamed() bool { return r != nil && r.stream != nil && r.stream.sent != nil }

// send hands b to the sender, unless the client has gone.
func (r *response) send(b []byte) {
	select {
	case r.stream.chunks <- b:
	case <-r.stream.ctx.Done():
	}
}

// endStream ends a streamed response once its handler has returned: what
// it wrote after its last Flush goes out, and err, if not nil, marks the
// stream as cut short.
func (r *response) endStream(err error) {
	if r == nil || !r.streamed() {
		return
	}
	if r.body.Len() > 0 {
		r.send(bytes.Clone(r.body.Bytes()))
		r.body.Reset()
	}
	r.stream.err = err
	close(r.stream.chunks)
}

// gone is the error of a write to a streamed response whose client went
// away, nil otherwise.
func (r *response) gone() error {
	if !r.streamed() {
		return nil
	}
	return r.stream.ctx.Err()
}
