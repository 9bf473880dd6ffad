package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/edgesignals/edgesignals/worker"
)

// storedOrder is an accepted order as the storage keeps it.
type storedOrder struct {
	ID        int64  `json:"id"`
	Item      string `json:"item"`
	Quantity  int    `json:"quantity"`
	Email     string `json:"email"`
	Status    string `json:"status"` // "accepted", then "processed" by the queue consumer
	CreatedMS int64  `json:"createdMs"`
}

// storage is where the example keeps its orders, their receipts and the
// queue of orders to process. On Cloudflare (and under wrangler dev) that
// is D1, R2 and a Queue (storage_js.go); without those bindings (raw
// workerd, a native build) it is memory.
type storage interface {
	// addOrder stores o as accepted and returns it with its id.
	addOrder(ctx context.Context, o Order) (storedOrder, error)
	// orders lists the latest orders, newest first.
	orders(ctx context.Context, limit int) ([]storedOrder, error)
	// ordersAfter lists the orders after the one with id after, oldest first.
	ordersAfter(ctx context.Context, after int64, limit int) ([]storedOrder, error)
	// enqueue hands an accepted order to the consumer (processOrder).
	enqueue(ctx context.Context, o storedOrder) error
	// process writes the order's receipt and marks it processed; false
	// when it had been processed already (a message delivered twice).
	process(ctx context.Context, id int64) (bool, error)
	// receipt returns the receipt of a processed order, nil if it has none.
	receipt(ctx context.Context, id int64) ([]byte, error)
	// addRollup records a Cron Trigger's count of the orders; rollups lists
	// the latest, newest first.
	addRollup(ctx context.Context, r rollup) error
	rollups(ctx context.Context, limit int) ([]rollup, error)
}

// rollup is what the Cron Trigger's listener records each time it fires.
type rollup struct {
	Cron        string `json:"cron"`
	ScheduledMS int64  `json:"scheduledMs"`
	Orders      int    `json:"orders"`
	Processed   int    `json:"processed"`
}

// orderMessage is the body of the queue message for an accepted order.
type orderMessage struct {
	OrderID int64 `json:"orderId"`
}

// processOrder is the queue consumer's listener for order messages: the
// platform delivers a message at least once, and process makes a second
// delivery of an order a no-op (the order's status says it is done).
func processOrder(store func(context.Context) storage) func(context.Context, worker.Message) error {
	return func(ctx context.Context, m worker.Message) error {
		var msg orderMessage
		if err := m.Decode(&msg); err != nil || msg.OrderID == 0 {
			return nil // not an order message: another listener's
		}
		_, err := store(ctx).process(ctx, msg.OrderID)
		return err
	}
}

// memoryStorage is the storage of a runtime without bindings: each Go
// runtime has its own, and the queue is a WaitUntil task.
type memoryStorage struct {
	mu     sync.Mutex
	list   []storedOrder // by id - 1
	rolled []rollup
}

var memory = &memoryStorage{}

func (s *memoryStorage) addOrder(ctx context.Context, o Order) (storedOrder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored := storedOrder{ID: int64(len(s.list) + 1), Item: o.Item, Quantity: o.Quantity, Email: o.Email,
		Status: "accepted", CreatedMS: time.Now().UnixMilli()}
	s.list = append(s.list, stored)
	return stored, nil
}

func (s *memoryStorage) orders(ctx context.Context, limit int) ([]storedOrder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storedOrder
	for i := len(s.list) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.list[i])
	}
	return out, nil
}

func (s *memoryStorage) ordersAfter(ctx context.Context, after int64, limit int) ([]storedOrder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := min(max(after, 0), int64(len(s.list)))
	return append([]storedOrder(nil), s.list[from:min(from+int64(limit), int64(len(s.list)))]...), nil
}

func (s *memoryStorage) enqueue(ctx context.Context, o storedOrder) error {
	worker.WaitUntil(ctx, func(ctx context.Context) {
		if _, err := s.process(ctx, o.ID); err != nil {
			panic(err) // WaitUntil logs it
		}
	})
	return nil
}

func (s *memoryStorage) process(ctx context.Context, id int64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.list)) {
		return false, fmt.Errorf("no order %d", id)
	}
	if s.list[id-1].Status == "processed" {
		return false, nil
	}
	s.list[id-1].Status = "processed"
	return true, nil
}

func (s *memoryStorage) receipt(ctx context.Context, id int64) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.list)) || s.list[id-1].Status != "processed" {
		return nil, nil
	}
	return json.Marshal(s.list[id-1])
}

func (s *memoryStorage) addRollup(ctx context.Context, r rollup) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.list {
		r.Orders++
		if o.Status == "processed" {
			r.Processed++
		}
	}
	s.rolled = append(s.rolled, r)
	return nil
}

func (s *memoryStorage) rollups(ctx context.Context, limit int) ([]rollup, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []rollup
	for i := len(s.rolled) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.rolled[i])
	}
	return out, nil
}
