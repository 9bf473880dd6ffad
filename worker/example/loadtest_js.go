//go:build js && wasm

package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/edgesignals/edgesignals/worker"
	"github.com/syumai/workers/cloudflare/queues"
)

// testMessage is the body of a load-test message.
type testMessage struct {
	Test      *int `json:"test"`      // its number
	FailFirst bool `json:"failFirst"` // fail its first delivery
}

// addLoadTest adds the queue load test of the edge tier (D1 and a Queue
// needed): POST /debug/enqueue?count=N&failEvery=K sends N messages, of
// which every K-th fails its first delivery; the consumer records every
// delivery in D1, and GET /debug/deliveries counts them.
func addLoadTest(mux *http.ServeMux, p *worker.Pipeline) {
	mux.HandleFunc("POST /debug/enqueue", func(w http.ResponseWriter, r *http.Request) {
		count, _ := strconv.Atoi(r.URL.Query().Get("count"))
		failEvery, _ := strconv.Atoi(r.URL.Query().Get("failEvery"))
		producer, err := queues.NewProducer(queueBinding)
		if err != nil {
			panic(err)
		}
		for start := 0; start < count; start += 100 { // sendBatch takes up to 100
			var batch []*queues.MessageSendRequest
			for n := start; n < min(start+100, count); n++ {
				batch = append(batch, queues.NewJSONMessageSendRequest(map[string]any{
					"test": n, "failFirst": failEvery > 0 && n%failEvery == 0,
				}))
			}
			if err := producer.SendBatch(batch); err != nil {
				panic(err)
			}
		}
		writeJSON(w, http.StatusAccepted, map[string]int{"sent": count})
	})
	mux.HandleFunc("GET /debug/deliveries", func(w http.ResponseWriter, r *http.Request) {
		db, err := cloud.open(r.Context())
		if err != nil {
			panic(err)
		}
		var c struct {
			Deliveries int `json:"deliveries"` // rows: one per delivery
			Succeeded  int `json:"succeeded"`  // deliveries that succeeded
			Distinct   int `json:"distinct"`   // messages (by number) delivered at least once
			Done       int `json:"done"`       // messages that succeeded at least once
			Twice      int `json:"twice"`      // messages delivered exactly twice
			More       int `json:"more"`       // messages delivered more than twice
			TwiceFails int `json:"twiceFails"` // messages delivered twice that were meant to fail first
		}
		err = db.QueryRowContext(r.Context(), `
			WITH per AS (SELECT n, count(*) AS k, max(ok) AS done FROM deliveries GROUP BY n)
			SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM deliveries WHERE ok = 1),
			  (SELECT count(*) FROM per), (SELECT count(*) FROM per WHERE done = 1),
			  (SELECT count(*) FROM per WHERE k = 2), (SELECT count(*) FROM per WHERE k > 2),
			  (SELECT count(*) FROM per WHERE k = 2 AND n % ? = 0)`, max(1, atoi(r.URL.Query().Get("failEvery")))).
			Scan(&c.Deliveries, &c.Succeeded, &c.Distinct, &c.Done, &c.Twice, &c.More, &c.TwiceFails)
		if err != nil {
			panic(err)
		}
		writeJSON(w, http.StatusOK, c)
	})
	p.Queue.AddListenerWithErr(func(ctx context.Context, m worker.Message) error {
		var msg testMessage
		if m.Decode(&msg) != nil || msg.Test == nil {
			return nil // not a load-test message
		}
		fail := msg.FailFirst && m.Attempts == 1
		db, err := cloud.open(ctx)
		if err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO deliveries (message_id, n, attempt, ok) VALUES (?, ?, ?, ?)`,
			m.ID, *msg.Test, m.Attempts, !fail); err != nil {
			return err
		}
		if fail {
			return errors.New("fails on its first delivery, as asked")
		}
		return nil
	}, "load-test")
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
