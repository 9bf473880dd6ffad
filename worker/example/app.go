// Command example is a Cloudflare Worker written in Go: the API request
// pipeline of the edgesignals guide (request log, auth, per-client rate
// limit, input validation, a JSON handler), served with the demo page and
// edgesignals.wasm of the npm package.
//
// Built for GOOS=js by the edgeworker command it runs in workerd (make dev)
// or on Cloudflare (npx wrangler deploy); built natively it serves the same
// pipeline on 127.0.0.1:8787 without the demo page, its variables
// (API_TOKEN, EDGESIGNALS_DEV) taken from the environment.
//
// Routes: GET /health; with a bearer token, POST /api/orders (with ?share=1
// it also emits the order on the signal hub's "orders", for the demo's tabs),
// GET /api/stats and GET /api/log. In local development only (the EDGESIGNALS_DEV
// variable is "1": .dev.vars sets it for local workerd, the wrangler.toml
// that edgeworker writes does not), some that show failure handling: GET /debug/panic (in the handler,
// or ?in=middleware), GET /debug/crash (a panic that ends the Go program),
// GET /debug/slow (waits past the pipeline's timeout) and GET
// /debug/fail-later (a side effect that panics after the response).
package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgesignals/edgesignals/worker"
)

// Timeout is the pipeline's deadline; /debug/slow runs into it.
const timeout = 500 * time.Millisecond

// DevVariable is the Worker variable that turns local development on: the
// /debug/ routes, and clients naming themselves for the rate limit.
const devVariable = "EDGESIGNALS_DEV"

// newPipeline builds the Worker's pipeline; getenv returns a Worker
// variable or secret (API_TOKEN, EDGESIGNALS_DEV) for a request.
func newPipeline(getenv func(ctx context.Context, name string) string) *worker.Pipeline {
	dev := func(ctx context.Context) bool { return getenv(ctx, devVariable) == "1" }
	mux := http.NewServeMux()
	// The demo page is a static file of the Worker (make worker puts it there).
	mux.Handle("GET /{$}", http.RedirectHandler("/demo/", http.StatusFound))
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /api/orders", createOrder)
	mux.HandleFunc("GET /api/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, stats.snapshot())
	})
	mux.HandleFunc("GET /api/log", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"requests": requestLog.entries(),
			"purges":   purgeLog.entries(),
		})
	})
	debug := debugRoutes()
	mux.Handle("/debug/", devOnly(dev, debug))

	limiter := &rateLimiter{limit: 20, window: 10 * time.Second, dev: dev}
	p := worker.New(mux, &worker.Options{Timeout: timeout, MaxBodyBytes: 64 << 10})
	p.Middleware.AddListenerWithErr(setRequestID, "request-id")
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		if r.URL.Path == "/debug/panic" && r.URL.Query().Get("in") == "middleware" && dev(ctx) {
			panic("the debug middleware panics, as asked")
		}
		return nil
	}, "debug")
	p.Middleware.AddListenerWithErr(authenticate(func(ctx context.Context) string { return getenv(ctx, "API_TOKEN") }), "auth")
	p.Middleware.AddListenerWithErr(limiter.allow, "rate-limit")
	p.Middleware.AddListenerWithErr(validateOrder, "validate")
	p.Done.AddListener(requestLog.record, "request-log")
	p.Done.AddListener(stats.count, "analytics")
	addStorage(mux, debug, p)
	debug.HandleFunc("GET /debug/rate-limit", limiter.report)
	return p
}

// debugRoutes are the routes that fail on purpose, to show the failure
// handling: never deployed (see devOnly).
func debugRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("the /debug/panic route panics, as asked")
	})
	mux.HandleFunc("GET /debug/fail-later", func(w http.ResponseWriter, r *http.Request) {
		worker.WaitUntil(r.Context(), func(context.Context) {
			panic("a side effect of /debug/fail-later panics after the response")
		})
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /debug/crash", func(w http.ResponseWriter, r *http.Request) {
		// A panic on a goroutine of one's own ends the Go program: the
		// Worker answers 500 and starts a new runtime for the next request.
		done := make(chan struct{})
		go func() {
			defer close(done)
			panic("the /debug/crash route crashes the Go runtime, as asked")
		}()
		<-done
	})
	mux.HandleFunc("GET /debug/slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the pipeline answers 504 meanwhile
	})
	return mux
}

// devOnly serves h in local development only, and answers 404 elsewhere,
// as for any path the Worker does not have.
func devOnly(dev func(context.Context) bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !dev(r.Context()) {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Middleware.

// setRequestID gives the request a random id, returned in X-Request-Id.
func setRequestID(ctx context.Context, r *worker.Request) error {
	r.ResponseHeader.Set("X-Request-Id", strconv.FormatUint(rand.Uint64(), 36))
	return nil
}

func authenticate(token func(context.Context) string) func(context.Context, *worker.Request) error {
	return func(ctx context.Context, r *worker.Request) error {
		if !strings.HasPrefix(r.URL.Path, "/api/") || r.Method == http.MethodGet && r.URL.Path == "/api/events" {
			return nil // the live feed of orders (no personal data) is for EventSource, which sends no token
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if want := token(ctx); want == "" || !ok || !sameToken(got, want) {
			return &worker.HTTPError{Status: http.StatusUnauthorized,
				Body: map[string]string{"error": "missing or wrong bearer token"}}
		}
		return nil
	}
}

// sameToken compares tokens in constant time: hashed first, so that not
// even their lengths show in how long the comparison takes.
func sameToken(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// rateLimiter allows each client a number of /api requests per window.
// With a KV namespace bound as RATE_LIMIT (wrangler.toml; wrangler dev and
// Cloudflare) the counts are kept there, shared by all the Worker's Go
// runtimes; KV is eventually consistent and has no increment, so requests
// racing near the limit may all pass (an exact global limit needs a
// Durable Object). Without it (raw workerd, a native build) each Go runtime
// counts in its own memory, and Workers keeps several.
type rateLimiter struct {
	limit  int
	window time.Duration
	dev    func(context.Context) bool
	memory memoryCounts
}

// rateCounts keeps the requests of each client in its current window.
type rateCounts interface {
	// add counts a request of client and returns the client's count in its
	// window, this request included.
	add(ctx context.Context, client string, window time.Duration) (int, error)
	// count returns the client's count in its window.
	count(ctx context.Context, client string, window time.Duration) (int, error)
	// store names where the counts are: "kv" or "memory".
	store() string
}

// counts returns the counts of the Worker serving ctx: KV if it has the
// namespace (kvCounts), else the limiter's memory.
func (l *rateLimiter) counts(ctx context.Context) rateCounts {
	if kv := kvCounts(ctx); kv != nil {
		return kv
	}
	return &l.memory
}

func (l *rateLimiter) allow(ctx context.Context, r *worker.Request) error {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return nil
	}
	client := l.client(ctx, r)
	n, err := l.counts(ctx).add(ctx, client, l.window)
	if err != nil {
		return fmt.Errorf("rate limit of %q: %w", client, err) // 500, logged
	}
	if n > l.limit {
		r.ResponseHeader.Set("Retry-After", strconv.Itoa(int(l.window/time.Second)))
		return &worker.HTTPError{Status: http.StatusTooManyRequests,
			Body: map[string]string{"error": "rate limit exceeded", "client": client}}
	}
	return nil
}

// report answers GET /debug/rate-limit?client=NAME with the count of that
// client and where it is kept.
func (l *rateLimiter) report(w http.ResponseWriter, r *http.Request) {
	client := r.URL.Query().Get("client")
	counts := l.counts(r.Context())
	n, err := counts.count(r.Context(), client, l.window)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "rate-limit counts: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"client": client, "count": n, "store": counts.store()})
}

// memoryCounts are the counts of one Go runtime: a window for all clients.
type memoryCounts struct {
	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

func (m *memoryCounts) add(ctx context.Context, client string, window time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(window)
	m.counts[client]++
	return m.counts[client], nil
}

func (m *memoryCounts) count(ctx context.Context, client string, window time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(window)
	return m.counts[client], nil
}

// roll starts a new window once the last one is over.
func (m *memoryCounts) roll(window time.Duration) {
	if now := time.Now(); m.counts == nil || now.Sub(m.start) >= window {
		m.start, m.counts = now, map[string]int{}
	}
}

func (m *memoryCounts) store() string { return "memory" }

// client names the client a request counts against. In local development
// a client may name itself with an X-Client-Id header: local workerd knows
// no client address, so without it every local client would share one
// count. Elsewhere it is the client's address: on Cloudflare the
// Cf-Connecting-Ip header, which Cloudflare sets (worker.Serve makes it
// RemoteAddr), natively the connection's. Requests with neither share the
// count of "unknown".
func (l *rateLimiter) client(ctx context.Context, r *worker.Request) string {
	if id := r.Header.Get("X-Client-Id"); id != "" && l.dev(ctx) {
		return id
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	if r.RemoteAddr != "" {
		return r.RemoteAddr
	}
	return "unknown"
}

// Order is what POST /api/orders takes.
type Order struct {
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
	Email    string `json:"email"`
}

// ValidationError is a rejected field, sent as the 400 response's body.
type ValidationError struct {
	Error string `json:"error"`
	Field string `json:"field"`
	Code  string `json:"code"`
}

type orderKey struct{}

// validateOrder decodes and checks the body of POST /api/orders and hands
// the order on to the handler in the request's context.
func validateOrder(ctx context.Context, r *worker.Request) error {
	if r.Method != http.MethodPost || r.URL.Path != "/api/orders" {
		return nil
	}
	var o Order
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return invalid("body", "INVALID_JSON", err)
	}
	switch {
	case strings.TrimSpace(o.Item) == "":
		return invalid("item", "REQUIRED", nil)
	case o.Quantity < 1 || o.Quantity > 100:
		return invalid("quantity", "OUT_OF_RANGE", nil)
	case !strings.Contains(o.Email, "@"):
		return invalid("email", "INVALID_FORMAT", nil)
	}
	r.Request = r.WithContext(context.WithValue(ctx, orderKey{}, o))
	return nil
}

func invalid(field, code string, cause error) error {
	return &worker.HTTPError{Status: http.StatusBadRequest, Err: cause,
		Body: ValidationError{Error: "validation failed", Field: field, Code: code}}
}

// orderHub is the Worker's signal hub (the HUB binding); the demo page's
// tabs listen to its signal "orders".
var orderHub = worker.Hub{Binding: "HUB"}

func createOrder(w http.ResponseWriter, r *http.Request) {
	o := r.Context().Value(orderKey{}).(Order)
	stored, err := acceptOrder(r.Context(), o)
	if err != nil {
		panic(err) // the pipeline answers 500 and logs it
	}
	stats.addOrder()
	id := w.Header().Get("X-Request-Id")
	worker.WaitUntil(r.Context(), func(ctx context.Context) { purgeCache(ctx, id) })
	created := map[string]any{"id": stored.ID, "item": o.Item, "quantity": o.Quantity}
	if r.URL.Query().Get("share") != "1" {
		writeJSON(w, http.StatusCreated, created)
		return
	}
	// ?share=1: shared with every demo tab, and answered with its seq once
	// stored. Built natively there is no hub: the order is still created.
	shared := map[string]any{"item": o.Item, "quantity": o.Quantity, "from": "Go Worker"}
	seq, err := orderHub.TryEmit(r.Context(), "orders", shared)
	switch {
	case err == nil:
		created["seq"] = seq
	case !errors.Is(err, worker.ErrNoHub):
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "the order was not shared: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

// Side effects, run after the response.

// counters is the analytics kept across the requests a runtime serves.
type counters struct {
	mu       sync.Mutex
	requests int
	orders   int
	byStatus map[int]int
}

var stats = &counters{byStatus: map[int]int{}}

func (c *counters) count(ctx context.Context, res worker.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	c.byStatus[res.Status]++
}

func (c *counters) addOrder() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.orders++
	return c.orders
}

func (c *counters) snapshot() map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	byStatus := map[string]int{}
	for s, n := range c.byStatus {
		byStatus[strconv.Itoa(s)] = n
	}
	return map[string]any{"requests": c.requests, "orders": c.orders, "byStatus": byStatus}
}

// logEntry is one line of the request log.
type logEntry struct {
	RequestID  string `json:"requestId"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Status     int    `json:"status"`
	DurationUS int64  `json:"durationUs"`
}

// logBook keeps the last entries of the request log.
type logBook struct {
	mu   sync.Mutex
	list []logEntry
}

// The request log, and the log of cache purges that orders cause.
var requestLog, purgeLog = &logBook{}, &logBook{}

// purgeCache stands in for a call that purges a CDN cache after an order
// (it takes 30 ms); it runs after the response, which does not wait for it.
func purgeCache(ctx context.Context, requestID string) {
	time.Sleep(30 * time.Millisecond)
	purgeLog.add(logEntry{RequestID: requestID, Method: "PURGE", Path: "/products"})
}

// record adds the served request to the log.
func (b *logBook) record(ctx context.Context, res worker.Result) {
	b.add(logEntry{
		RequestID:  res.Header.Get("X-Request-Id"),
		Method:     res.Request.Method,
		Path:       res.Request.URL.Path,
		Status:     res.Status,
		DurationUS: res.Duration.Microseconds(),
	})
}

func (b *logBook) add(e logEntry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.list = append(b.list, e)
	if len(b.list) > 100 {
		b.list = b.list[len(b.list)-100:]
	}
}

func (b *logBook) entries() []logEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]logEntry{}, b.list...)
}
