package worker_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/edgesignals/edgesignals/worker"
)

func ExamplePipeline() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello, "+r.Header.Get("X-User")+"\n")
	})

	p := worker.New(mux, nil)
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		user, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return &worker.HTTPError{Status: http.StatusUnauthorized}
		}
		r.Header.Set("X-User", user)
		return nil
	}, "auth")

	for _, token := range []string{"", "Bearer ada"} {
		r := httptest.NewRequest("GET", "/hello", nil)
		if token != "" {
			r.Header.Set("Authorization", token)
		}
		w := httptest.NewRecorder()
		p.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 401 {"error":"Unauthorized"}
	// 200 hello, ada
}

func ExampleWaitUntil() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		worker.WaitUntil(r.Context(), func(ctx context.Context) {
			fmt.Println("cache purged") // after the response, which does not wait
		})
		w.WriteHeader(http.StatusCreated)
	})
	p := worker.New(mux, nil)

	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("POST", "/orders", nil))
	p.Wait(context.Background())
	fmt.Println(w.Code)
	// Output:
	// cache purged
	// 201
}
