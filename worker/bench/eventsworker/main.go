// Command eventsworker is the Go side of the events benchmark
// (worker/bench/events.mjs): a Queue listener that decodes each message and
// adds up its number, and two routes that send the same body buffered or
// streamed.
package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/edgesignals/edgesignals/worker"
)

var sum atomic.Int64

func main() {
	mux := http.NewServeMux()
	// GET /body?kb=N&flush=1 writes N KB in 16 KB writes, flushing after
	// each when flush=1.
	mux.HandleFunc("GET /body", func(w http.ResponseWriter, r *http.Request) {
		kb, _ := strconv.Atoi(r.URL.Query().Get("kb"))
		flush := r.URL.Query().Get("flush") == "1"
		w.Header().Set("Content-Type", "text/plain")
		chunk := strings.Repeat("x", 16<<10)
		for written := 0; written < kb<<10; written += len(chunk) {
			w.Write([]byte(chunk))
			if flush {
				w.(http.Flusher).Flush()
			}
		}
	})
	mux.HandleFunc("GET /sum", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strconv.FormatInt(sum.Swap(0), 10)))
	})
	p := worker.New(mux, nil)
	p.Queue.AddListenerWithErr(func(ctx context.Context, m worker.Message) error {
		var body struct{ N int64 }
		if err := m.Decode(&body); err != nil {
			return err
		}
		sum.Add(body.N)
		return nil
	}, "sum")
	worker.Serve(p)
}
