// Command hubemitter is the Go emitter of the hub benchmark
// (worker/bench/hub.mjs): a Worker whose POST /emit?item=... does nothing
// but emit {"item": ...} on its hub's "orders" with worker.Hub.TryEmit, and
// whose GET /now answers at once, for the cost of the Go request path on
// its own. Its JavaScript emitter is the same Worker's POST /hub/orders.
package main

import (
	"net/http"
	"strconv"

	"github.com/edgesignals/edgesignals/worker"
)

var hub = worker.Hub{Binding: "HUB"}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /emit", func(w http.ResponseWriter, r *http.Request) {
		seq, err := hub.TryEmit(r.Context(), "orders", map[string]string{"item": r.URL.Query().Get("item")})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Write([]byte(strconv.FormatInt(seq, 10)))
	})
	mux.HandleFunc("GET /now", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("now"))
	})
	worker.Serve(worker.New(mux, nil))
}
