// Command eventsworker is the Go side of the events benchmark
// (worker/bench/events.mjs): a Queue listener that decodes each message and
// adds up its number (or, for the queue "ack", acknowledges it unread),
// and two routes that send the same body buffered or streamed.
package main

import (
	"context"
	"fmt"
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
		w.Write([]byte(strconv.FormatInt(sum.Swap(0), 10))) // this runtime's
	})
	p := worker.New(mux, nil)
	// The listener checks what it decoded, and fails (the message is
	// retried, which the benchmark counts) if it is wrong: the sum alone
	// would not tell, as it is per Go runtime and the pool may drop one.
	p.Queue.AddListenerWithErr(func(ctx context.Context, m worker.Message) error {
		if m.Queue == "ack" {
			return nil
		}
		var body struct {
			N, Twice int64
			Item     string
		}
		if err := m.Decode(&body); err != nil {
			return err
		}
		if body.Twice != 2*body.N || body.Item != "tea" {
			return fmt.Errorf("message %s decoded as %+v", m.ID, body)
		}
		sum.Add(body.N)
		return nil
	}, "sum")
	worker.Serve(p)
}
