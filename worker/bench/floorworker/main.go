// Command floorworker is the Go floor of the edge benchmark
// (worker/bench/edge.mjs): a Worker on the package's glue whose handler
// writes the bytes of the example's GET /health answer and nothing else: no
// middleware, no ServeMux, no encoding/json, no Done listeners. Against
// plain JavaScript it measures what entering and leaving Go costs a
// request; against the example, what the example's pipeline adds.
package main

import (
	"math/rand/v2"
	"net/http"
	"strconv"

	"github.com/edgesignals/edgesignals/worker"
)

var body = []byte(`{"ok":true}` + "\n")

func main() {
	worker.Serve(worker.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", strconv.FormatUint(rand.Uint64(), 36))
		w.Write(body)
	}), nil))
}
