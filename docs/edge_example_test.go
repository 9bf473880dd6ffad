package docs_test

// The Go examples of the guide's part on the edge (package worker). A
// Pipeline is an http.Handler, so they run natively, with httptest.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/edgesignals/edgesignals/worker"
)

// Middleware run in order before the handler; what they put in
// ResponseHeader goes out with the response.
func Example_pipeline() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/whoami", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "you are "+r.Header.Get("X-User")+"\n")
	})

	p := worker.New(mux, &worker.Options{Timeout: 2 * time.Second})
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		r.ResponseHeader.Set("X-Served-By", "edge")
		return nil
	}, "served-by")
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		user, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || user == "" {
			return &worker.HTTPError{Status: http.StatusUnauthorized}
		}
		r.Header.Set("X-User", user) // for the handler
		return nil
	}, "auth")

	for _, auth := range []string{"", "Bearer ada"} {
		req := httptest.NewRequest("GET", "/api/whoami", nil)
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		p.ServeHTTP(w, req)
		fmt.Print(w.Code, " ", w.Header().Get("X-Served-By"), " ", w.Body.String())
	}
	// Output:
	// 401 edge {"error":"Unauthorized"}
	// 200 edge you are ada
}

// The first middleware error becomes the response: an *HTTPError (or an
// error wrapping one) its own status and JSON body, the pipeline's deadline
// 504, a panic or any other error 500 with no detail. OnError gets the errors
// behind 5xx responses.
func Example_statuses() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	p := worker.New(mux, &worker.Options{
		Timeout: 50 * time.Millisecond,
		OnError: func(r *http.Request, err error) { fmt.Println("  OnError:", err) },
	})
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		switch r.URL.Path {
		case "/invalid":
			return fmt.Errorf("validate: %w", &worker.HTTPError{
				Status: http.StatusBadRequest,
				Body:   map[string]string{"field": "email"},
			})
		case "/slow":
			<-ctx.Done() // waits past the pipeline's Timeout
			return ctx.Err()
		case "/panic":
			panic("bug")
		case "/broken":
			return errors.New("database unreachable")
		}
		return nil
	}, "rules")

	for _, path := range []string{"/", "/invalid", "/slow", "/panic", "/broken"} {
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, w.Code, strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// / 200 ok
	// /invalid 400 {"field":"email"}
	//   OnError: context deadline exceeded
	// /slow 504 {"error":"Gateway Timeout"}
	//   OnError: signals: listener "rules" panicked: bug
	// /panic 500 {"error":"Internal Server Error"}
	//   OnError: signals: listener "rules": database unreachable
	// /broken 500 {"error":"Internal Server Error"}
}

// Done listeners run after the response, each on its own goroutine, with
// what was sent; Wait drains them (a Worker stays alive until they return).
func Example_done() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/orders", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	p := worker.New(mux, nil)
	var logged string
	p.Done.AddListener(func(ctx context.Context, res worker.Result) {
		logged = fmt.Sprint(res.Request.Method, " ", res.Request.URL.Path, " ", res.Status, " ", res.Err)
	}, "request-log")

	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("POST", "/api/orders", nil))
	fmt.Println("answered", w.Code)
	p.Wait(context.Background()) // before reading what the listener wrote
	fmt.Println("logged", logged)
	// Output:
	// answered 201
	// logged POST /api/orders 201 <nil>
}
