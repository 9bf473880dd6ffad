// Command bufferedworker is the Go side of the buffered-response benchmark
// (worker/bench/buffered.mjs): GET /health and GET /body?kb=N, a body
// written in 16 KB pieces and never flushed. The benchmark builds it
// against the package as it is and as it was before responses could
// stream, so it uses only what both have.
package main

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/edgesignals/edgesignals/worker"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /body", func(w http.ResponseWriter, r *http.Request) {
		kb, _ := strconv.Atoi(r.URL.Query().Get("kb"))
		w.Header().Set("Content-Type", "text/plain")
		chunk := strings.Repeat("x", 16<<10)
		for written := 0; written < kb<<10; written += len(chunk) {
			w.Write([]byte(chunk))
		}
	})
	worker.Serve(worker.New(mux, nil))
}
