package worker_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/edgesignals/edgesignals/worker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What a handler writes reaches the client as net/http's server would send
// it, or, where a Worker cannot send it, as a 500 that OnError hears about.
// The Result that Done listeners get says what was sent.
func TestResponsesFollowNetHTTP(t *testing.T) {
	type want struct {
		status int
		header map[string]string // "" means absent
		body   string
		writes string // the errors the handler's writes returned, joined
		onErr  string // what OnError got, "" for nothing
	}
	for _, c := range []struct {
		name    string
		method  string
		opts    worker.Options
		handler func(w http.ResponseWriter, write func(string))
		want    want
	}{
		{name: "no Content-Type: sniffed", handler: func(w http.ResponseWriter, write func(string)) {
			write("<html><body>hi")
		}, want: want{status: 200, header: map[string]string{"Content-Type": "text/html; charset=utf-8", "Content-Length": "14"}, body: "<html><body>hi"}},
		{name: "no Content-Type, binary body: sniffed", handler: func(w http.ResponseWriter, write func(string)) {
			write("\x00\x01\x02")
		}, want: want{status: 200, header: map[string]string{"Content-Type": "application/octet-stream"}, body: "\x00\x01\x02"}},
		{name: "a Content-Type set to nothing: none sniffed", handler: func(w http.ResponseWriter, write func(string)) {
			w.Header()["Content-Type"] = nil
			write("<html>")
		}, want: want{status: 200, header: map[string]string{"Content-Type": ""}, body: "<html>"}},
		{name: "a Content-Encoding: none sniffed", handler: func(w http.ResponseWriter, write func(string)) {
			w.Header().Set("Content-Encoding", "gzip")
			write("\x1f\x8b")
		}, want: want{status: 200, header: map[string]string{"Content-Type": ""}, body: "\x1f\x8b"}},
		{name: "an empty body: none sniffed", handler: func(w http.ResponseWriter, write func(string)) {},
			want: want{status: 200, header: map[string]string{"Content-Type": "", "Content-Length": "0"}}},
		{name: "an informational status, then the body", handler: func(w http.ResponseWriter, write func(string)) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusContinue)
			write("ok")
		}, want: want{status: 200, body: "ok"}},
		{name: "204 with a body", handler: func(w http.ResponseWriter, write func(string)) {
			w.Header().Set("Content-Length", "2")
			w.WriteHeader(http.StatusNoContent)
			write("no")
		}, want: want{status: 204, header: map[string]string{"Content-Length": "", "Content-Type": ""}, writes: http.ErrBodyNotAllowed.Error()}},
		{name: "304 keeps no Content-Type", handler: func(w http.ResponseWriter, write func(string)) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
		}, want: want{status: 304, header: map[string]string{"Content-Type": "", "ETag": `"v1"`}}},
		{name: "a declared length shorter than the body: cut", handler: func(w http.ResponseWriter, write func(string)) {
			w.Header().Set("Content-Length", "3")
			write("hello")
		}, want: want{status: 200, header: map[string]string{"Content-Length": "3"}, body: "hel", writes: http.ErrContentLength.Error()}},
		{name: "a declared length longer than the body: 500", handler: func(w http.ResponseWriter, write func(string)) {
			w.Header().Set("Content-Length", "10")
			write("hi")
		}, want: want{status: 500, onErr: "worker: the handler declared Content-Length 10 and wrote 2 bytes"}},
		{name: "a declared length on HEAD, no body", method: http.MethodHead, handler: func(w http.ResponseWriter, write func(string)) {
			w.Header().Set("Content-Length", "10")
		}, want: want{status: 200, header: map[string]string{"Content-Length": "10"}}},
		{name: "an invalid declared length: dropped", handler: func(w http.ResponseWriter, write func(string)) {
			w.Header().Set("Content-Length", "ten")
			write("hi")
		}, want: want{status: 200, header: map[string]string{"Content-Length": "2"}, body: "hi"}},
		{name: "a body past MaxResponseBytes: 500", opts: worker.Options{MaxResponseBytes: 1000}, handler: func(w http.ResponseWriter, write func(string)) {
			for range 3 {
				write(strings.Repeat("x", 600))
			}
		}, want: want{status: 500, writes: "worker: response body larger than Options.MaxResponseBytes, worker: response body larger than Options.MaxResponseBytes",
			onErr: "worker: the handler wrote more than Options.MaxResponseBytes (1000 bytes)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var writeErrs []string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.handler(w, func(s string) {
					if _, err := io.WriteString(w, s); err != nil {
						writeErrs = append(writeErrs, err.Error())
					}
				})
			})
			p, log := newPipeline(h, c.opts)
			var result worker.Result
			p.Done.AddListener(func(ctx context.Context, res worker.Result) { result = res })
			method := c.method
			if method == "" {
				method = http.MethodGet
			}
			w := serve(t, p, httptest.NewRequest(method, "/", nil))

			assert.Equal(t, c.want.status, w.Code)
			assert.Equal(t, c.want.status, result.Status)
			for name, value := range c.want.header {
				assert.Equal(t, value, result.Header.Get(name), "Result.Header %s", name)
				assert.Equal(t, value, w.Header().Get(name), "sent header %s", name)
			}
			if c.want.status == 500 {
				assert.JSONEq(t, `{"error":"Internal Server Error"}`, w.Body.String())
			} else {
				assert.Equal(t, c.want.body, w.Body.String())
			}
			assert.Equal(t, c.want.writes, strings.Join(writeErrs, ", "))
			if c.want.onErr == "" {
				assert.Empty(t, log.all())
				assert.NoError(t, result.Err)
			} else {
				require.Len(t, log.all(), 1)
				assert.EqualError(t, log.all()[0], c.want.onErr)
				assert.Equal(t, log.all()[0], result.Err)
			}
		})
	}
}

// A Worker sends statuses 200 to 599; net/http sends any three digits and
// panics below 100 or past 999. A handler's status a Worker cannot send
// is a 500 that OnError hears about, the same natively and in a Worker.
func TestStatusesAWorkerCannotSendAre500(t *testing.T) {
	for status := -1; status <= 1000; status++ {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
		})
		p, log := newPipeline(h, worker.Options{})
		w := serve(t, p, get("/"))
		switch {
		case status >= 200 && status <= 599:
			require.Equal(t, status, w.Code)
			require.Empty(t, log.all())
		case status >= 100 && status <= 199 && status != 101: // informational: not the final status
			require.Equal(t, http.StatusOK, w.Code, "status %d", status)
			require.Empty(t, log.all())
		default:
			require.Equal(t, http.StatusInternalServerError, w.Code, "status %d", status)
			require.Len(t, log.all(), 1)
			require.ErrorContains(t, log.all()[0], "the handler wrote status "+strconv.Itoa(status)+"; a Worker sends 200 to 599")
		}
	}
}
