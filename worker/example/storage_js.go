//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/edgesignals/edgesignals/worker"
	"github.com/syumai/workers/cloudflare/d1"
	"github.com/syumai/workers/cloudflare/kv"
	"github.com/syumai/workers/cloudflare/queues"
	"github.com/syumai/workers/cloudflare/r2"
)

// The Worker's bindings, as wrangler.toml names them.
const (
	dbBinding       = "DB"         // D1: the orders
	receiptsBinding = "RECEIPTS"   // R2: a receipt per processed order
	queueBinding    = "ORDERS"     // Queue: accepted orders, consumed by processOrder
	rateBinding     = "RATE_LIMIT" // KV: the rate limiter's counts (kvCounts)
)

// storageFor returns the storage of the request or event whose context
// ctx is: D1, R2 and the Queue when the Worker has them, memory otherwise.
func storageFor(ctx context.Context) storage {
	if worker.Env(ctx).Get(dbBinding).IsUndefined() {
		return memory
	}
	return cloud
}

// cloudStorage keeps orders in D1, receipts in R2, and sends accepted
// orders to a Queue, through github.com/syumai/workers' packages. It reads
// the bindings from the env of the request being served.
type cloudStorage struct {
	mu     sync.Mutex
	db     *sql.DB // opened at first use; D1's schema made then
	schema error
}

var cloud = &cloudStorage{}

// schema is the example's D1 schema, made at first use (a deployed Worker
// would rather run it as a migration: wrangler d1 migrations).
const schema = `
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  item TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  email TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'accepted',
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  message_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  ok INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rollups (
  cron TEXT NOT NULL,
  scheduled_ms INTEGER NOT NULL,
  orders INTEGER NOT NULL,
  processed INTEGER NOT NULL
);`

func (s *cloudStorage) open(ctx context.Context) (*sql.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil || s.schema != nil {
		return s.db, s.schema
	}
	connector, err := d1.OpenConnector(dbBinding)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	// D1 runs one statement per prepare: split the schema.
	for _, stmt := range bytes.Split([]byte(schema), []byte(";")) {
		if len(bytes.TrimSpace(stmt)) == 0 {
			continue
		}
		if _, err := db.ExecContext(ctx, string(stmt)); err != nil {
			return nil, fmt.Errorf("D1 schema: %w", err)
		}
	}
	s.db = db
	return db, nil
}

func (s *cloudStorage) addOrder(ctx context.Context, o Order) (storedOrder, error) {
	db, err := s.open(ctx)
	if err != nil {
		return storedOrder{}, err
	}
	stored := storedOrder{Item: o.Item, Quantity: o.Quantity, Email: o.Email, Status: "accepted", CreatedMS: time.Now().UnixMilli()}
	res, err := db.ExecContext(ctx, `INSERT INTO orders (item, quantity, email, created_ms) VALUES (?, ?, ?, ?)`,
		stored.Item, stored.Quantity, stored.Email, stored.CreatedMS)
	if err != nil {
		return storedOrder{}, err
	}
	stored.ID, err = res.LastInsertId()
	return stored, err
}

func (s *cloudStorage) orders(ctx context.Context, limit int) ([]storedOrder, error) {
	return s.query(ctx, `SELECT id, item, quantity, email, status, created_ms FROM orders ORDER BY id DESC LIMIT ?`, limit)
}

func (s *cloudStorage) ordersAfter(ctx context.Context, after int64, limit int) ([]storedOrder, error) {
	return s.query(ctx, `SELECT id, item, quantity, email, status, created_ms FROM orders WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
}

func (s *cloudStorage) query(ctx context.Context, query string, args ...any) ([]storedOrder, error) {
	db, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedOrder
	for rows.Next() {
		var o storedOrder
		if err := rows.Scan(&o.ID, &o.Item, &o.Quantity, &o.Email, &o.Status, &o.CreatedMS); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *cloudStorage) enqueue(ctx context.Context, o storedOrder) error {
	producer, err := queues.NewProducer(queueBinding)
	if err != nil {
		return err
	}
	return producer.SendJSON(map[string]any{"orderId": o.ID})
}

// process writes the receipt first, then marks the order: a receipt is
// the same object whenever it is written, so a delivery that fails
// between the two is simply done again.
func (s *cloudStorage) process(ctx context.Context, id int64) (bool, error) {
	db, err := s.open(ctx)
	if err != nil {
		return false, err
	}
	var o storedOrder
	err = db.QueryRowContext(ctx, `SELECT id, item, quantity, email, status, created_ms FROM orders WHERE id = ?`, id).
		Scan(&o.ID, &o.Item, &o.Quantity, &o.Email, &o.Status, &o.CreatedMS)
	if err != nil {
		return false, fmt.Errorf("order %d: %w", id, err)
	}
	if o.Status == "processed" {
		return false, nil // delivered again
	}
	o.Status = "processed"
	bucket, err := r2.NewBucket(receiptsBinding)
	if err != nil {
		return false, err
	}
	receipt, _ := json.Marshal(o)
	if _, err := bucket.Put(receiptKey(id), io.NopCloser(bytes.NewReader(receipt)), &r2.PutOptions{
		HTTPMetadata: r2.HTTPMetadata{ContentType: "application/json"},
	}); err != nil {
		return false, err
	}
	res, err := db.ExecContext(ctx, `UPDATE orders SET status = 'processed' WHERE id = ? AND status = 'accepted'`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *cloudStorage) receipt(ctx context.Context, id int64) ([]byte, error) {
	bucket, err := r2.NewBucket(receiptsBinding)
	if err != nil {
		return nil, err
	}
	object, err := bucket.Get(receiptKey(id))
	if err != nil || object == nil {
		return nil, err
	}
	return io.ReadAll(object.Body)
}

// receiptKey is the R2 key of an order's receipt.
func receiptKey(id int64) string { return "receipts/" + strconv.FormatInt(id, 10) + ".json" }

// addRollup counts the orders in D1 itself: r's counts are ignored.
func (s *cloudStorage) addRollup(ctx context.Context, r rollup) error {
	db, err := s.open(ctx)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO rollups (cron, scheduled_ms, orders, processed)
		SELECT ?, ?, count(*), count(*) FILTER (WHERE status = 'processed') FROM orders`, r.Cron, r.ScheduledMS)
	return err
}

func (s *cloudStorage) rollups(ctx context.Context, limit int) ([]rollup, error) {
	db, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT cron, scheduled_ms, orders, processed FROM rollups ORDER BY rowid DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rollup
	for rows.Next() {
		var r rollup
		if err := rows.Scan(&r.Cron, &r.ScheduledMS, &r.Orders, &r.Processed); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// kvCounts returns the rate limiter's counts in KV, or nil when the Worker
// has no RATE_LIMIT namespace.
func kvCounts(ctx context.Context) rateCounts {
	if worker.Env(ctx).Get(rateBinding).IsUndefined() {
		return nil
	}
	return kvRateCounts{}
}

// kvRateCounts keeps each client's window under a key of its own, as JSON
// ({"start": ms, "count": n}), through github.com/syumai/workers' kv.
type kvRateCounts struct{}

// kvWindow is a client's window as KV keeps it.
type kvWindow struct {
	StartMS int64 `json:"start"`
	Count   int   `json:"count"`
}

func (kvRateCounts) add(ctx context.Context, client string, window time.Duration) (int, error) {
	ns, w, err := kvRead(client, window)
	if err != nil {
		return 0, err
	}
	if w.Count == 0 {
		w.StartMS = time.Now().UnixMilli()
	}
	w.Count++
	value, _ := json.Marshal(w)
	// KV takes no expiry under 60 s: the key outlives its window, and the
	// next add past the window starts a new one.
	ttl := max(60, int((2*window+time.Second-1)/time.Second))
	if err := ns.PutString(kvRateKey(client), string(value), &kv.PutOptions{ExpirationTTL: ttl}); err != nil {
		return 0, err
	}
	return w.Count, nil
}

func (kvRateCounts) count(ctx context.Context, client string, window time.Duration) (int, error) {
	_, w, err := kvRead(client, window)
	return w.Count, err
}

func (kvRateCounts) store() string { return "kv" }

// kvRead reads client's window from KV: a zero count once it is over, or
// when there is none.
func kvRead(client string, window time.Duration) (*kv.Namespace, kvWindow, error) {
	ns, err := kv.NewNamespace(rateBinding)
	if err != nil {
		return nil, kvWindow{}, err
	}
	value, err := ns.GetString(kvRateKey(client), nil)
	if err != nil {
		return nil, kvWindow{}, err
	}
	var w kvWindow
	// A missing key reads as "<null>" (kv.GetString stringifies JavaScript's
	// null): no JSON, no window.
	if json.Unmarshal([]byte(value), &w) != nil || time.Since(time.UnixMilli(w.StartMS)) >= window {
		w = kvWindow{}
	}
	return ns, w, nil
}

// kvRateKey is the KV key of client's window; KV keys hold at most 512
// bytes, so a long client name is hashed.
func kvRateKey(client string) string {
	if len(client) > 200 {
		sum := sha256.Sum256([]byte(client))
		client = "sha256:" + hex.EncodeToString(sum[:])
	}
	return "rate-limit/" + client
}
