package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/edgesignals/edgesignals/worker"
)

// pollEvery is how often GET /api/events looks for new orders.
const pollEvery = 200 * time.Millisecond

// liveOrders is GET /api/events: the accepted orders, as they are stored,
// as Server-Sent Events whose ids are the orders' ids. A browser's
// EventSource that reconnects sends the last id it got (Last-Event-ID)
// and gets the orders after it; a first connection gets the orders from
// then on; ?max=N ends the stream after N events. Orders are accepted by other Go runtimes than the one holding
// the stream, so it polls the storage rather than listening to a signal of
// its own runtime (what worker.StreamSignal does). The feed carries no
// email address: browsers' EventSource sends no Authorization header, so
// it is the one /api/ route open without the token (see authenticate).
func liveOrders(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	store := storageFor(ctx)
	after, err := strconv.ParseInt(worker.LastEventID(r), 10, 64)
	if err != nil { // a first connection: from the newest order on
		newest, err := store.orders(ctx, 1)
		if err != nil {
			panic(err)
		}
		if len(newest) > 0 {
			after = newest[0].ID
		}
	}
	stream, err := worker.NewEventStream(w)
	if err != nil {
		panic(err)
	}
	stream.Retry(500 * time.Millisecond)
	// ?max=N ends the stream after N events (the browser then reconnects).
	left, err := strconv.Atoi(r.URL.Query().Get("max"))
	if err != nil || left <= 0 {
		left = -1
	}
	// Waiting on ctx as well as the timer: workerd drops the timers of a
	// request whose client has gone, so a time.Sleep then never returns;
	// the cancellation wakes this loop (the runtime, its timer still set,
	// is then replaced rather than reused).
	for ctx.Err() == nil {
		orders, err := store.ordersAfter(ctx, after, 100)
		if err != nil {
			return // the stream ends; the browser reconnects
		}
		for _, o := range orders {
			event := map[string]any{"id": o.ID, "item": o.Item, "quantity": o.Quantity, "createdMs": o.CreatedMS}
			if stream.Send(strconv.FormatInt(o.ID, 10), "order", event) != nil {
				return // the client went away
			}
			after = o.ID
			if left--; left == 0 {
				return
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(pollEvery):
		}
	}
}

// runtimeID names the Go runtime (one Go program of the Worker's pool).
var runtimeID = strconv.FormatUint(rand.Uint64(), 36)

// streamLog records how the streams of GET /debug/stream ended.
var streamLog struct {
	mu    sync.Mutex
	ended []map[string]string
}

// debugStream is GET /debug/stream?id=..: the id of its Go runtime, then
// ticks as fast as the client reads them, until it goes away; GET /debug/streams then
// says how each ended, from the runtime that answers.
func debugStream(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "runtime %s\n", runtimeID)
	w.(http.Flusher).Flush()
	n := 0
	// No timer: each Flush waits for the client to take the tick.
	for r.Context().Err() == nil {
		n++
		if _, err := fmt.Fprintf(w, "tick %d\n", n); err != nil {
			break
		}
		w.(http.Flusher).Flush()
	}
	streamLog.mu.Lock()
	defer streamLog.mu.Unlock()
	streamLog.ended = append(streamLog.ended, map[string]string{
		"id": id, "runtime": runtimeID, "ticks": strconv.Itoa(n), "err": fmt.Sprint(context.Cause(r.Context())),
	})
}

func debugStreams(w http.ResponseWriter, r *http.Request) {
	streamLog.mu.Lock()
	defer streamLog.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"runtime": runtimeID, "ended": orNone(streamLog.ended)})
}
