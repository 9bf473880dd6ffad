package worker

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
)

// response is the buffered response a pipeline writes before sending it.
// It keeps net/http's rules for what a handler writes (informational
// statuses, bodies a status cannot have, the Content-Length it declares),
// and records what makes the response unsendable in a Worker.
type response struct {
	header   http.Header
	status   int // the final status, 0 until written
	body     bytes.Buffer
	limit    int64   // MaxResponseBytes, below zero none
	declared int64   // the valid Content-Length the handler declared, -1 if none
	err      error   // why the response cannot be sent as written
	stream   *stream // a handler's response: streamed once it flushes
}

func newResponse(header http.Header, limit int64) *response {
	return &response{header: header, limit: limit, declared: -1}
}

// errResponseTooLarge is what Write returns past MaxResponseBytes.
var errResponseTooLarge = errors.New("worker: response body larger than Options.MaxResponseBytes")

// unsendableError is a response that cannot be sent as it was written: the
// pipeline answers 500 instead, and OnError gets this error.
type unsendableError struct {
	msg string
	err error // the cause, if any
}

func (e *unsendableError) Error() string { return "worker: " + e.msg }
func (e *unsendableError) Unwrap() error { return e.err }

func (r *response) Header() http.Header { return r.header }

// WriteHeader sets the final status, once. Informational statuses (1xx but
// 101) are dropped: net/http sends them ahead of the final response, and a
// Worker cannot send them at all. A Worker sends 200 to 599 only (101 only
// with a WebSocket, which this package does not hand over), so any other
// status makes the response unsendable.
func (r *response) WriteHeader(status int) {
	if r.status != 0 || (status >= 100 && status <= 199 && status != http.StatusSwitchingProtocols) {
		return
	}
	r.status = status
	if status < 200 || status > 599 {
		r.fail(&unsendableError{msg: "the handler wrote status " + strconv.Itoa(status) +
			"; a Worker sends 200 to 599 (101 only with a WebSocket, which the worker package does not support)"})
		return
	}
	// As net/http: a valid declared length bounds the body, an invalid one
	// is dropped.
	if cl := r.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			r.declared = n
		} else {
			r.header.Del("Content-Length")
		}
	}
}

// Write buffers b. Like net/http's, it fails for a status that has no body
// and past a declared Content-Length; it also fails past MaxResponseBytes.
func (r *response) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if err := r.gone(); err != nil {
		return 0, err
	}
	if !bodyAllowed(r.status) {
		return 0, http.ErrBodyNotAllowed
	}
	room, err := int64(len(b)), error(nil)
	if r.declared >= 0 && int64(r.body.Len())+room > r.declared {
		room, err = r.declared-int64(r.body.Len()), http.ErrContentLength
	}
	if r.limit >= 0 && int64(r.body.Len())+room > r.limit {
		room, err = max(r.limit-int64(r.body.Len()), 0), errResponseTooLarge
		r.fail(&unsendableError{msg: "the handler wrote more than Options.MaxResponseBytes (" +
			strconv.FormatInt(r.limit, 10) + " bytes)", err: errResponseTooLarge})
	}
	r.body.Write(b[:room])
	return int(room), err
}

func (r *response) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// check returns why the handler's response cannot be sent, if it cannot.
func (r *response) check(method string) error {
	r.WriteHeader(http.StatusOK)
	if r.err == nil && !r.streamed() && r.declared > int64(r.body.Len()) && method != http.MethodHead && bodyAllowed(r.status) {
		// net/http would close the connection after the short body.
		r.err = &unsendableError{msg: "the handler declared Content-Length " + strconv.FormatInt(r.declared, 10) +
			" and wrote " + strconv.Itoa(r.body.Len()) + " bytes"}
	}
	return r.err
}

// finish completes the header as net/http's server does before it sends
// it: a Content-Type sniffed from the body if the handler set none, the
// Content-Length, and no body headers on a status without a body.
func (r *response) finish() { r.finishHead(false) }

// finishHead is finish for a whole body, or for the start of a stream,
// which has no Content-Length of its own.
func (r *response) finishHead(streamed bool) {
	r.WriteHeader(http.StatusOK)
	h := r.header
	if !bodyAllowed(r.status) {
		h.Del("Content-Length")
		h.Del("Transfer-Encoding")
		if r.status == http.StatusNotModified {
			h.Del("Content-Type")
		}
		r.body.Reset()
		return
	}
	if _, typed := h["Content-Type"]; !typed && h.Get("Content-Encoding") == "" && r.body.Len() > 0 {
		h.Set("Content-Type", http.DetectContentType(r.body.Bytes()))
	}
	if r.declared < 0 && !streamed {
		h.Set("Content-Length", strconv.Itoa(r.body.Len()))
	}
}

// bodyAllowed reports whether a response with status may have a body, as
// net/http decides it.
func bodyAllowed(status int) bool {
	return (status < 100 || status > 199) && status != http.StatusNoContent && status != http.StatusNotModified
}

// sentHeader is the header that goes out: for a stream, as it was at its
// first Flush.
func (r *response) sentHeader() http.Header {
	if r.streamed() {
		return r.stream.sent
	}
	return r.header
}

// writeTo sends the finished response to w; a stream, chunk by chunk,
// flushing w after each if it can.
func (r *response) writeTo(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range r.sentHeader() {
		h[k] = v
	}
	w.WriteHeader(r.status)
	if !r.streamed() {
		w.Write(r.body.Bytes())
		return
	}
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush() // the head, at once
	}
	for chunk := range r.stream.chunks {
		w.Write(chunk)
		if flusher != nil {
			flusher.Flush()
		}
	}
}
