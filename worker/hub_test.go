package worker_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/worker"
)

// Outside a Worker request there is no hub to reach: TryEmit says so
// rather than pretending the event was stored. (worker/test/hub-demo.test.js
// emits through a real hub in workerd.)
func TestHubTryEmitOutsideAWorker(t *testing.T) {
	seq, err := worker.Hub{Binding: "HUB"}.TryEmit(context.Background(), "orders", map[string]int{"n": 1})
	require.ErrorIs(t, err, worker.ErrNoHub)
	assert.Zero(t, seq)
	assert.Contains(t, err.Error(), `"HUB"`)
}

func TestHubTryEmitRefusesWhatJSONCannotEncode(t *testing.T) {
	_, err := worker.Hub{Binding: "HUB"}.TryEmit(context.Background(), "orders", make(chan int))
	require.Error(t, err)
	assert.False(t, errors.Is(err, worker.ErrNoHub), "the payload is refused before the hub is looked for")
	assert.Contains(t, err.Error(), `hub signal "orders"`)
}

// A handler that shares each order with every client of the hub's signal
// "orders" (browsers, Node, other Workers) and answers with its seq. It
// needs a Worker with a SignalHub binding named HUB, so it has no output.
func ExampleHub() {
	orders := worker.Hub{Binding: "HUB"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		seq, err := orders.TryEmit(r.Context(), "orders", map[string]string{"item": "tea"})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "order stored as event %d\n", seq)
	})
	worker.Serve(worker.New(mux, nil))
}
