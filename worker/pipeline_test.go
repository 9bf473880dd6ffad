package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgesignals/edgesignals/signals"
	"github.com/edgesignals/edgesignals/worker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hello is the handler of the tests' pipelines.
var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "hello")
})

// errorLog collects what OnError receives.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(_ *http.Request, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error{}, l.errs...)
}

func newPipeline(h http.Handler, opts worker.Options) (*worker.Pipeline, *errorLog) {
	log := &errorLog{}
	opts.OnError = log.add
	return worker.New(h, &opts), log
}

func serve(t *testing.T, p *worker.Pipeline, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, p.Wait(ctx), "the pipeline's work did not finish")
	return w
}

func get(path string) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }

func jsonBody(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
	return body
}

func TestMiddlewareRunInOrderThenTheHandler(t *testing.T) {
	p, _ := newPipeline(hello, worker.Options{})
	var order []string
	for _, key := range []string{"a", "b", "c"} {
		p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
			order = append(order, key)
			r.ResponseHeader.Add("X-Steps", key)
			return nil
		}, key)
	}
	p.Middleware.RemoveListener("b")

	w := serve(t, p, get("/"))
	assert.Equal(t, []string{"a", "c"}, order)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "hello", w.Body.String())
	assert.Equal(t, []string{"a", "c"}, w.Header().Values("X-Steps"), "middleware headers are sent")
	assert.Equal(t, "5", w.Header().Get("Content-Length"))
}

func TestMiddlewareReadTheRequestHeaders(t *testing.T) {
	// r.Header is the request's, as on any *http.Request: it was the
	// response's once, and this read "" without a word.
	p, _ := newPipeline(hello, worker.Options{})
	var got string
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		got = r.Header.Get("Authorization")
		return nil
	}, "auth")
	r := get("/")
	r.Header.Set("Authorization", "Bearer ada")
	serve(t, p, r)
	assert.Equal(t, "Bearer ada", got)
}

func TestMiddlewareCanReplaceTheRequest(t *testing.T) {
	type userKey struct{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Context().Value(userKey{}).(string))
	})
	p, _ := newPipeline(h, worker.Options{})
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		r.Request = r.WithContext(context.WithValue(ctx, userKey{}, "ada"))
		return nil
	}, "auth")
	assert.Equal(t, "ada", serve(t, p, get("/")).Body.String())
}

func TestHTTPErrorBecomesTheResponse(t *testing.T) {
	handled := false
	p, log := newPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handled = true }), worker.Options{})
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		r.ResponseHeader.Set("WWW-Authenticate", "Bearer")
		return &worker.HTTPError{Status: http.StatusUnauthorized, Body: map[string]string{"error": "no token"}}
	}, "auth")
	after := false
	p.Middleware.AddListenerWithErr(func(context.Context, *worker.Request) error { after = true; return nil }, "later")

	w := serve(t, p, get("/"))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, map[string]any{"error": "no token"}, jsonBody(t, w))
	assert.Equal(t, "Bearer", w.Header().Get("WWW-Authenticate"))
	assert.False(t, after, "a middleware after the failing one ran")
	assert.False(t, handled, "the handler ran")
	assert.Empty(t, log.all(), "a 4xx is not an internal error")
}

func TestHTTPErrorWithoutBodySendsTheStatusText(t *testing.T) {
	p, _ := newPipeline(hello, worker.Options{})
	cause := errors.New("quota used up")
	p.Middleware.AddListenerWithErr(func(context.Context, *worker.Request) error {
		return errors.Join(errors.New("wrapped"), &worker.HTTPError{Status: http.StatusTooManyRequests, Err: cause})
	})
	w := serve(t, p, get("/"))
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, map[string]any{"error": "Too Many Requests"}, jsonBody(t, w))

	err := &worker.HTTPError{Status: 429, Err: cause}
	assert.Equal(t, "worker: 429 Too Many Requests: quota used up", err.Error())
	assert.ErrorIs(t, err, cause)
}

func TestOtherErrorsAre500WithoutDetail(t *testing.T) {
	p, log := newPipeline(hello, worker.Options{})
	secret := errors.New("db password wrong")
	p.Middleware.AddListenerWithErr(func(context.Context, *worker.Request) error { return secret }, "db")
	w := serve(t, p, get("/"))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, map[string]any{"error": "Internal Server Error"}, jsonBody(t, w))
	assert.NotContains(t, w.Body.String(), "password")
	require.Len(t, log.all(), 1)
	var le *signals.ListenerError
	require.ErrorAs(t, log.all()[0], &le)
	assert.Equal(t, "db", le.Key)
	assert.ErrorIs(t, log.all()[0], secret)
}

func TestPanicsAre500AndTheNextRequestIsServed(t *testing.T) {
	var mux http.ServeMux
	mux.HandleFunc("/boom", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "half a response")
		panic("handler boom")
	})
	mux.Handle("/", hello)
	p, log := newPipeline(&mux, worker.Options{})
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		if r.URL.Query().Has("panic") {
			panic("middleware boom")
		}
		return nil
	}, "flaky")

	w := serve(t, p, get("/?panic"))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, map[string]any{"error": "Internal Server Error"}, jsonBody(t, w))

	w = serve(t, p, get("/boom"))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.NotContains(t, w.Body.String(), "half", "what the handler wrote before panicking is not sent")

	assert.Equal(t, "hello", serve(t, p, get("/")).Body.String())

	errs := log.all()
	require.Len(t, errs, 2)
	var pe *signals.PanicError
	require.ErrorAs(t, errs[0], &pe)
	assert.Equal(t, "flaky", pe.Key)
	assert.Equal(t, "middleware boom", pe.Value)
	require.ErrorAs(t, errs[1], &pe)
	assert.Equal(t, "handler", pe.Key)
	assert.Equal(t, "handler boom", pe.Value)
	assert.NotEmpty(t, pe.Stack)
}

func TestTimeout(t *testing.T) {
	t.Run("a middleware that returns ctx.Err()", func(t *testing.T) {
		p, _ := newPipeline(hello, worker.Options{Timeout: 20 * time.Millisecond})
		start := time.Now()
		p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
			deadline, ok := ctx.Deadline()
			assert.True(t, ok, "no deadline")
			// Set when the pipeline started: between start and now, 20 ms on.
			assert.False(t, deadline.Before(start.Add(20*time.Millisecond)), "deadline too early")
			assert.False(t, deadline.After(time.Now().Add(20*time.Millisecond)), "deadline too late")
			<-ctx.Done()
			return ctx.Err()
		}, "slow")
		w := serve(t, p, get("/"))
		assert.Equal(t, http.StatusGatewayTimeout, w.Code)
		assert.Equal(t, map[string]any{"error": "Gateway Timeout"}, jsonBody(t, w))
	})
	t.Run("a handler that ignores the context", func(t *testing.T) {
		release := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
			io.WriteString(w, "too late")
		})
		p, _ := newPipeline(h, worker.Options{Timeout: 20 * time.Millisecond})
		w := httptest.NewRecorder()
		p.ServeHTTP(w, get("/")) // returns while the handler still waits for release
		assert.Equal(t, http.StatusGatewayTimeout, w.Code)

		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		assert.ErrorIs(t, p.Wait(ctx), context.DeadlineExceeded, "Wait returned while the handler still ran")
		close(release)
		require.NoError(t, p.Wait(context.Background()))
		assert.NotContains(t, w.Body.String(), "too late")
	})
	t.Run("a middleware's own deadline", func(t *testing.T) {
		p, _ := newPipeline(hello, worker.Options{})
		p.Middleware.AddListenerWithErr(func(context.Context, *worker.Request) error {
			return context.DeadlineExceeded
		}, "upstream")
		assert.Equal(t, http.StatusGatewayTimeout, serve(t, p, get("/")).Code)
	})
}

func TestBodyLimit(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
	p, _ := newPipeline(echo, worker.Options{MaxBodyBytes: 10})

	w := serve(t, p, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789")))
	assert.Equal(t, "0123456789", w.Body.String(), "a body at the limit")

	w = serve(t, p, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789!")))
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "a declared length over the limit")
	assert.Equal(t, map[string]any{"error": "Request Entity Too Large"}, jsonBody(t, w))

	// Without a declared length, reading past the limit fails: a middleware
	// that returns that error gets 413.
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		_, err := io.ReadAll(r.Body)
		return err
	}, "read")
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 100)))
	r.ContentLength = -1
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(t, p, r).Code)
}

func TestDoneListenersGetTheResult(t *testing.T) {
	p, _ := newPipeline(hello, worker.Options{})
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		r.ResponseHeader.Set("X-Request-Id", "r1")
		// Chromium's coarse clock can make a fast request take 0s: take
		// long enough for Duration to be measurable on every platform.
		time.Sleep(2 * time.Millisecond)
		if r.URL.Path == "/deny" {
			return &worker.HTTPError{Status: http.StatusForbidden}
		}
		return nil
	}, "id")
	var mu sync.Mutex
	var results []worker.Result
	p.Done.AddListener(func(ctx context.Context, res worker.Result) {
		time.Sleep(10 * time.Millisecond) // after the response
		assert.NoError(t, ctx.Err(), "the request's context reached Done cancelled")
		mu.Lock()
		defer mu.Unlock()
		results = append(results, res)
	}, "log")

	serve(t, p, get("/ok"))
	serve(t, p, get("/deny"))
	require.Len(t, results, 2, "Wait returned before the Done listeners")
	assert.Equal(t, "/ok", results[0].Request.URL.Path)
	assert.Equal(t, http.StatusOK, results[0].Status)
	assert.Equal(t, "r1", results[0].Header.Get("X-Request-Id"))
	assert.NoError(t, results[0].Err)
	assert.Positive(t, results[0].Duration)
	assert.Equal(t, http.StatusForbidden, results[1].Status)
	var httpErr *worker.HTTPError
	assert.ErrorAs(t, results[1].Err, &httpErr)
}

func TestWaitUntil(t *testing.T) {
	finished := make(chan string, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		worker.WaitUntil(r.Context(), func(ctx context.Context) {
			time.Sleep(10 * time.Millisecond)
			finished <- "purged"
		})
		worker.WaitUntil(r.Context(), func(ctx context.Context) { panic("a task panics") })
		io.WriteString(w, "ok")
	})
	p, _ := newPipeline(h, worker.Options{Timeout: time.Second})
	w := httptest.NewRecorder()
	p.ServeHTTP(w, get("/"))
	assert.Equal(t, "ok", w.Body.String())
	assert.Empty(t, finished, "the response waited for the task")
	require.NoError(t, p.Wait(context.Background()))
	assert.Equal(t, "purged", <-finished)

	// Outside a pipeline's request, the task simply runs.
	worker.WaitUntil(context.Background(), func(context.Context) { finished <- "alone" })
	assert.Equal(t, "alone", <-finished)
}

func TestHTTPErrorWithAStatusThatIsNoErrorIs500(t *testing.T) {
	// It used to answer with its status, 200 included, and the error body.
	for _, status := range []int{0, 200, 302, 399, 600, 999} {
		p, log := newPipeline(hello, worker.Options{})
		p.Middleware.AddListenerWithErr(func(context.Context, *worker.Request) error {
			return &worker.HTTPError{Status: status, Body: map[string]string{"error": "teapot"}}
		}, "odd")
		w := serve(t, p, get("/"))
		assert.Equal(t, http.StatusInternalServerError, w.Code, "status %d", status)
		assert.Equal(t, map[string]any{"error": "Internal Server Error"}, jsonBody(t, w))
		require.Len(t, log.all(), 1, "status %d", status)
		var httpErr *worker.HTTPError
		assert.ErrorAs(t, log.all()[0], &httpErr)
		assert.ErrorContains(t, log.all()[0], "must be 4xx or 5xx, not "+strconv.Itoa(status))
	}
}

func TestMiddlewareHeadersStayOnErrorResponses(t *testing.T) {
	// newIDPipeline's middleware sets X-Request-Id; its handler h.
	newIDPipeline := func(h http.Handler, opts worker.Options) (*worker.Pipeline, *errorLog) {
		p, log := newPipeline(h, opts)
		p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
			r.ResponseHeader.Set("X-Request-Id", "r1")
			return nil
		}, "request-id")
		return p, log
	}
	t.Run("a declared body over the limit: 413 after the middleware", func(t *testing.T) {
		p, _ := newIDPipeline(hello, worker.Options{MaxBodyBytes: 10})
		w := serve(t, p, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 11))))
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
		assert.Equal(t, "r1", w.Header().Get("X-Request-Id"))
	})
	t.Run("a handler past the deadline: 504", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		p, _ := newIDPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
		}), worker.Options{Timeout: 20 * time.Millisecond})
		w := httptest.NewRecorder()
		p.ServeHTTP(w, get("/"))
		assert.Equal(t, http.StatusGatewayTimeout, w.Code)
		assert.Equal(t, "r1", w.Header().Get("X-Request-Id"))
	})
	t.Run("a panicking handler: 500 without the handler's own headers", func(t *testing.T) {
		p, _ := newIDPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Set-Cookie", "session=half-done")
			panic("boom")
		}), worker.Options{})
		w := serve(t, p, get("/"))
		assert.Equal(t, http.StatusInternalServerError, w.Code)
		assert.Equal(t, "r1", w.Header().Get("X-Request-Id"))
		assert.Empty(t, w.Header().Values("Set-Cookie"), "what the handler set before panicking is sent")
	})
	t.Run("a response that cannot be sent: 500", func(t *testing.T) {
		p, _ := newIDPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(999)
		}), worker.Options{})
		w := serve(t, p, get("/"))
		assert.Equal(t, http.StatusInternalServerError, w.Code)
		assert.Equal(t, "r1", w.Header().Get("X-Request-Id"))
	})
	t.Run("the handler starts from them", func(t *testing.T) {
		p, _ := newIDPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, w.Header().Get("X-Request-Id"))
		}), worker.Options{})
		assert.Equal(t, "r1", serve(t, p, get("/")).Body.String())
	})
}

func TestAMiddlewareAnswersBeforeTheBodyLimit(t *testing.T) {
	p, _ := newPipeline(hello, worker.Options{MaxBodyBytes: 10})
	p.Middleware.AddListenerWithErr(func(context.Context, *worker.Request) error {
		return &worker.HTTPError{Status: http.StatusUnauthorized}
	}, "auth")
	w := serve(t, p, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 11))))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
}
