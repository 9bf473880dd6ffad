package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/edgesignals/edgesignals/worker"
)

// neverFires is a cron expression that never fires on its own (the 31st of
// February): the rollup fails for it on purpose, to show the failure path
// with wrangler dev's /__scheduled?cron=... .
const neverFires = "0 0 31 2 *"

// addStorage adds what the example does with its storage: the orders,
// receipts and rollups it lists, the queue consumer and the Cron Trigger's
// rollup; and, to debug (the local-development routes), the queue load test.
func addStorage(mux, debug *http.ServeMux, p *worker.Pipeline) {
	mux.HandleFunc("GET /api/orders", func(w http.ResponseWriter, r *http.Request) {
		list, err := storageFor(r.Context()).orders(r.Context(), 50)
		if err != nil {
			panic(err) // the pipeline answers 500 and logs it
		}
		writeJSON(w, http.StatusOK, map[string]any{"orders": orNone(list)})
	})
	mux.HandleFunc("GET /api/events", liveOrders)
	debug.HandleFunc("GET /debug/stream", debugStream)
	debug.HandleFunc("GET /debug/streams", debugStreams)
	mux.HandleFunc("GET /api/receipts/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		receipt, err := storageFor(r.Context()).receipt(r.Context(), id)
		if err != nil {
			panic(err)
		}
		if receipt == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no receipt (yet) for that order"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(receipt)
	})
	mux.HandleFunc("GET /api/rollups", func(w http.ResponseWriter, r *http.Request) {
		list, err := storageFor(r.Context()).rollups(r.Context(), 10)
		if err != nil {
			panic(err)
		}
		writeJSON(w, http.StatusOK, map[string]any{"rollups": orNone(list)})
	})
	p.Queue.AddListenerWithErr(processOrder(storageFor), "process-order")
	p.Scheduled.AddListenerWithErr(func(ctx context.Context, ev worker.ScheduledEvent) error {
		if ev.Cron == neverFires {
			return errors.New("the rollup fails for " + neverFires + ", as asked")
		}
		return storageFor(ctx).addRollup(ctx, rollup{Cron: ev.Cron, ScheduledMS: ev.Time.UnixMilli()})
	}, "rollup")
	addLoadTest(debug, p)
}

// acceptOrder stores a validated order and sends it to the queue.
func acceptOrder(ctx context.Context, o Order) (storedOrder, error) {
	store := storageFor(ctx)
	stored, err := store.addOrder(ctx, o)
	if err != nil {
		return storedOrder{}, err
	}
	return stored, store.enqueue(ctx, stored)
}

// orNone is list, or an empty list rather than JSON null.
func orNone[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
