package worker

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"strconv"
)

// HTTPError is an error that becomes the response: a middleware returns one
// (or an error wrapping one) to end the pipeline with Status and Body.
type HTTPError struct {
	Status int // the response status, 4xx or 5xx
	// Body is sent as JSON. Nil means {"error": "<status text>"}.
	Body any
	// Err is the cause, for logs and errors.Is/As; it is not sent.
	Err error
}

// Error returns the status and, if there is one, the cause.
func (e *HTTPError) Error() string {
	msg := "worker: " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *HTTPError) Unwrap() error { return e.Err }

// errorResponse turns the error that ended a pipeline into its response,
// as ServeHTTP documents. The response carries req's ResponseHeader.
func (p *Pipeline) errorResponse(req *Request, err error) *response {
	status, body := http.StatusInternalServerError, any(nil)
	var httpErr *HTTPError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &httpErr):
		if httpErr.Status < 400 || httpErr.Status > 599 {
			err = &unsendableError{msg: "an HTTPError's Status must be 4xx or 5xx, not " + strconv.Itoa(httpErr.Status), err: err}
			break
		}
		status, body = httpErr.Status, httpErr.Body
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	case errors.As(err, &tooLarge):
		status = http.StatusRequestEntityTooLarge
	}
	if status >= 500 {
		p.report(req.Request, err)
	}
	if body == nil {
		body = map[string]string{"error": http.StatusText(status)}
	}
	// A copy: past the deadline, run may still be copying it for the handler.
	header := req.ResponseHeader.Clone()
	if header == nil {
		header = http.Header{}
	}
	out := newResponse(header, -1)
	out.status = status
	if err := json.NewEncoder(&out.body).Encode(body); err != nil {
		p.report(req.Request, err)
		out.body.Reset()
		out.body.WriteString(`{"error":"Internal Server Error"}` + "\n")
		out.status = http.StatusInternalServerError
	}
	out.header.Set("Content-Type", "application/json")
	out.header.Del("Content-Length")
	return out
}

func (p *Pipeline) report(r *http.Request, err error) {
	if p.opts.OnError != nil {
		p.opts.OnError(r, err)
		return
	}
	log.Printf("worker: %s %s: %v", r.Method, r.URL.Path, err)
}
