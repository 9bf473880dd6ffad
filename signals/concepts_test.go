package signals_test

// This file runs, as tests and runnable examples, the Go examples of a widely
// read guide to signal patterns written for maniartech/signals ("Core Concepts
// & Design Patterns"; "the document" below), so that what its code does
// against this package is checked. This project's own guide, with its own
// tested examples, is docs/guide.md. Each group of declarations starts with a comment
// that names the section of the document it comes from.
//
// How the document's code is carried over:
//
//   - Code that is valid Go is kept as written. Where it is not, the nearest
//     valid form is used and a "Doc:" comment says what changed and why.
//   - Helpers that the document leaves undefined (riskAnalysis, database,
//     email, ...) are small fakes that record their calls, so that the tests
//     can check what the document claims: the order of the steps, which steps
//     were skipped, the error messages, the counts.
//   - Package-level services of the document's packages (events, db, cache,
//     ...) become parameters or fields, so that every test gets fresh ones.
//   - The document's payload types have generic names (OrderEvent, UserEvent,
//     Event, ...) and UserEvent even has three shapes. Here they carry a "doc"
//     prefix, which keeps them apart and leaves the plain names free for the
//     other tests of this package.
//   - Nothing sleeps to let listeners run. An AsyncSignal is drained with its
//     Wait method. Where the document emits from a goroutine of its own
//     (go sig.Emit(...)), Wait alone could return before that goroutine has
//     called Emit, so the test first waits for a probe listener to hear the
//     emit (see emitProbe), then drains the signal with Wait.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/edgesignals/edgesignals/signals"
)

// ---------------------------------------------------------------------------
// Test helpers
// ---------------------------------------------------------------------------

// drain waits until every listener started on sig, which must hold the
// *signals.AsyncSignal that New and NewWithOptions return, has returned.
func drain[T any](t testing.TB, sig signals.Signal[T]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := sig.(*signals.AsyncSignal[T]).Wait(ctx); err != nil {
		t.Fatalf("listeners still running after 2s: %v", err)
	}
}

// emitProbe adds a listener to sig that passes on every payload it hears.
// Once the probe has heard an emit, that emit has started all its listeners,
// so drain also waits for them: this is how the tests wait for an emit that
// the document makes on a goroutine of its own.
func emitProbe[T any](sig signals.Signal[T]) <-chan T {
	heard := make(chan T, 64)
	sig.AddListener(func(_ context.Context, v T) { heard <- v })
	return heard
}

// recvWithin returns the next value from ch. The two seconds only bound a
// failing test; a passing one never waits that long.
func recvWithin[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(2 * time.Second):
		t.Fatalf("nothing received within 2s")
		var zero T
		return zero
	}
}

func wantEqual[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got: %#v\nwant: %#v", what, got, want)
	}
}

func wantError(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got: %v\nwant: %s", err, want)
	}
}

// wantDeadline checks that deadline is d after some instant between start
// and end, the bounds of the call that set it.
func wantDeadline(t testing.TB, what string, deadline, start, end time.Time, d time.Duration) {
	t.Helper()
	if deadline.Before(start.Add(d)) || deadline.After(end.Add(d)) {
		t.Errorf("%s: deadline %v after the call started, want %v", what, deadline.Sub(start), d)
	}
}

// holdListeners returns a channel for listeners to hold on until release is
// called. It also releases them by itself after two seconds, so that an Emit
// that wrongly waits for its listeners fails the test instead of hanging it.
func holdListeners(t testing.TB) (hold <-chan struct{}, release func()) {
	ch := make(chan struct{})
	release = sync.OnceFunc(func() { close(ch) })
	timer := time.AfterFunc(2*time.Second, release)
	t.Cleanup(func() { timer.Stop() })
	return ch, release
}

// callLog records the calls of fakes. Listeners of an AsyncSignal run on
// goroutines of their own, so it locks.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
}

// takeSorted returns the calls recorded so far, sorted because concurrent
// listeners have no order, and starts a new record.
func (l *callLog) takeSorted() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	calls := l.calls
	l.calls = nil
	sort.Strings(calls)
	return calls
}

// withoutTime drops the time from slog records, so that logged output is
// stable enough for an Example's // Output: or a test's comparison.
func withoutTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// docLog stands for the document's log.Error, log.Warn and log.Info calls.
// Doc: the standard log package has no Error, Warn or Info; log/slog has
// them. The tests check the returned errors, so the records are dropped.
var docLog = slog.New(slog.DiscardHandler)

// ---------------------------------------------------------------------------
// Section "Signal Types: Sync vs Async" / "AsyncSignal - Fire & Forget Pattern"
// ---------------------------------------------------------------------------

type docOrderEvent struct {
	ID    string
	Total float64
}

func TestConceptAsyncSignalFireAndForget(t *testing.T) {
	ctx := context.Background()
	var calls callLog
	started := make(chan string, 4)
	hold, release := holdListeners(t)

	// Each fake service announces that it has started and then holds until
	// released: Emit can only return while they all hold, and they can only
	// all have started, if each runs on a goroutine of its own.
	service := func(name string) signals.SignalListener[docOrderEvent] {
		return func(ctx context.Context, order docOrderEvent) {
			started <- name
			<-hold
			calls.add("%s handled %s", name, order.ID)
		}
	}
	inventory := struct {
		UpdateStock signals.SignalListener[docOrderEvent]
	}{service("inventory")}
	email := struct {
		SendConfirmation signals.SignalListener[docOrderEvent]
	}{service("email")}
	analytics := struct {
		TrackPurchase signals.SignalListener[docOrderEvent]
	}{service("analytics")}
	notifications := struct {
		PushMobile signals.SignalListener[docOrderEvent]
	}{service("notifications")}

	// Create async signal (default behavior)
	signal := signals.New[docOrderEvent]()

	// All listeners run concurrently in separate goroutines
	signal.AddListener(inventory.UpdateStock)    // Goroutine 1
	signal.AddListener(email.SendConfirmation)   // Goroutine 2
	signal.AddListener(analytics.TrackPurchase)  // Goroutine 3
	signal.AddListener(notifications.PushMobile) // Goroutine 4

	// Non-blocking emit - returns immediately
	signal.Emit(ctx, docOrderEvent{ID: "order-123", Total: 99.99})
	calls.add("Order processing started!") // Executes immediately

	var running []string
	for range 4 {
		running = append(running, recvWithin(t, started))
	}
	sort.Strings(running)
	wantEqual(t, "listeners running at once", running,
		[]string{"analytics", "email", "inventory", "notifications"})
	wantEqual(t, "calls before release", calls.takeSorted(), []string{"Order processing started!"})

	release()
	drain(t, signal)
	wantEqual(t, "calls after Wait", calls.takeSorted(), []string{
		"analytics handled order-123",
		"email handled order-123",
		"inventory handled order-123",
		"notifications handled order-123",
	})
}

func Example_asyncFireAndForget() {
	ctx := context.Background()
	signal := signals.New[docOrderEvent]()
	release := make(chan struct{})
	var handled atomic.Int32
	for range 4 {
		signal.AddListener(func(ctx context.Context, order docOrderEvent) {
			// A slow listener: Emit does not wait for it. (The timeout only
			// keeps a broken, blocking Emit from hanging the example.)
			select {
			case <-release:
			case <-time.After(2 * time.Second):
			}
			handled.Add(1)
		})
	}

	signal.Emit(ctx, docOrderEvent{ID: "order-123", Total: 99.99})
	fmt.Println("Order processing started! handled:", handled.Load())

	close(release)
	// Wait drains the listeners, e.g. before the program shuts down.
	signal.Wait(ctx)
	fmt.Println("after Wait, handled:", handled.Load())
	// Output:
	// Order processing started! handled: 0
	// after Wait, handled: 4
}

// ---------------------------------------------------------------------------
// Section "SyncSignal - Transaction & Error Pattern" (the payment workflow)
// ---------------------------------------------------------------------------

type docPaymentData struct {
	ID     string
	Amount float64
}

// paymentServices fakes riskAnalysis, paymentGateway and ledger. Every step
// records its name and returns the error set for it in fail.
type paymentServices struct {
	steps []string
	fail  map[string]error
}

func (s *paymentServices) step(name string) error {
	s.steps = append(s.steps, name)
	return s.fail[name]
}

func (s *paymentServices) ValidateTransaction(docPaymentData) error { return s.step("risk analysis") }
func (s *paymentServices) ChargeCard(docPaymentData) error          { return s.step("charge card") }
func (s *paymentServices) RecordTransaction(docPaymentData) error {
	return s.step("record transaction")
}

func newPaymentWorkflow(riskAnalysis, paymentGateway, ledger *paymentServices) *signals.SyncSignal[docPaymentData] {
	// Create sync signal for critical operations
	workflow := signals.NewSync[docPaymentData]()

	// Sequential execution with error propagation
	workflow.AddListenerWithErr(func(ctx context.Context, data docPaymentData) error {
		return riskAnalysis.ValidateTransaction(data) // Step 1
	})

	workflow.AddListenerWithErr(func(ctx context.Context, data docPaymentData) error {
		return paymentGateway.ChargeCard(data) // Step 2 (only if Step 1 succeeds)
	})

	workflow.AddListenerWithErr(func(ctx context.Context, data docPaymentData) error {
		return ledger.RecordTransaction(data) // Step 3 (only if Step 2 succeeds)
	})
	return workflow
}

func processPayment(ctx context.Context, log *slog.Logger, workflow *signals.SyncSignal[docPaymentData],
	paymentData docPaymentData, rollback func(docPaymentData) error) error {
	// Blocking emit with error handling
	if err := workflow.TryEmit(ctx, paymentData); err != nil {
		// If any step fails, subsequent steps are skipped
		log.Error("Payment failed", "error", err) // Doc: log.Error is slog's, see docLog
		return rollback(paymentData)
	}
	return nil
}

func rollbackPayment(p docPaymentData) error { return fmt.Errorf("payment %s rolled back", p.ID) }

func TestConceptSyncSignalPaymentWorkflow(t *testing.T) {
	errRisk := errors.New("risk score too high")
	errCard := errors.New("card declined")
	errLedger := errors.New("ledger unavailable")
	tests := []struct {
		name      string
		fail      map[string]error
		wantSteps []string
		wantErr   error // what TryEmit returns
	}{
		{"all steps succeed", nil,
			[]string{"risk analysis", "charge card", "record transaction"}, nil},
		{"step 1 fails: payment and ledger skipped", map[string]error{"risk analysis": errRisk},
			[]string{"risk analysis"}, errRisk},
		{"step 2 fails: ledger skipped", map[string]error{"charge card": errCard},
			[]string{"risk analysis", "charge card"}, errCard},
		{"step 3 fails", map[string]error{"record transaction": errLedger},
			[]string{"risk analysis", "charge card", "record transaction"}, errLedger},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			services := &paymentServices{fail: tt.fail}
			workflow := newPaymentWorkflow(services, services, services)
			err := workflow.TryEmit(context.Background(), docPaymentData{ID: "pay-1", Amount: 99.99})
			// Unkeyed listeners: TryEmit returns their error itself, unwrapped.
			if err != tt.wantErr {
				t.Errorf("TryEmit = %v, want %v", err, tt.wantErr)
			}
			wantEqual(t, "steps run", services.steps, tt.wantSteps)

			services.steps = nil
			err = processPayment(context.Background(), docLog, workflow, docPaymentData{ID: "pay-2"}, rollbackPayment)
			if tt.wantErr == nil && err != nil {
				t.Errorf("processPayment = %v, want nil", err)
			}
			if tt.wantErr != nil {
				wantError(t, err, "payment pay-2 rolled back")
			}
		})
	}
}

func Example_paymentWorkflow() {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime}))

	for _, payment := range []struct {
		id   string
		fail map[string]error
	}{
		{"pay-1", nil},
		{"pay-2", map[string]error{"charge card": errors.New("card declined")}},
		{"pay-3", map[string]error{"risk analysis": errors.New("risk score too high")}},
	} {
		services := &paymentServices{fail: payment.fail}
		workflow := newPaymentWorkflow(services, services, services)
		err := processPayment(ctx, log, workflow, docPaymentData{ID: payment.id, Amount: 99.99}, rollbackPayment)
		fmt.Printf("%s: %s; result: %v\n", payment.id, strings.Join(services.steps, " → "), err)
	}
	// Output:
	// pay-1: risk analysis → charge card → record transaction; result: <nil>
	// level=ERROR msg="Payment failed" error="card declined"
	// pay-2: risk analysis → charge card; result: payment pay-2 rolled back
	// level=ERROR msg="Payment failed" error="risk score too high"
	// pay-3: risk analysis; result: payment pay-3 rolled back
}

// ---------------------------------------------------------------------------
// Section "Advanced Design Patterns" / "1. Event Aggregation Pattern"
// ---------------------------------------------------------------------------

// docUserEvent has the fields of all three shapes the document gives
// UserEvent: {ID, Email, Action, Changes} in the events package,
// {UserID, Action, Timestamp} in "Context Reuse Patterns", and none in the
// aggregation and FeatureManager examples.
type docUserEvent struct {
	ID      string                 `json:"id"`
	Email   string                 `json:"email"`
	Action  string                 `json:"action"`
	Changes map[string]interface{} `json:"changes,omitempty"`

	UserID    string
	Timestamp time.Time
}

type docSystemEvent struct {
	Component string
	Message   string
}

type EventAggregator struct {
	userEvents   signals.Signal[docUserEvent]
	orderEvents  signals.Signal[docOrderEvent]
	systemEvents signals.Signal[docSystemEvent]

	// Unified output
	allEvents signals.Signal[interface{}]
}

func (ea *EventAggregator) Setup() {
	// Forward all user events to unified stream
	ea.userEvents.AddListener(func(ctx context.Context, event docUserEvent) {
		ea.allEvents.Emit(ctx, event)
	})

	// Forward all order events to unified stream
	ea.orderEvents.AddListener(func(ctx context.Context, event docOrderEvent) {
		ea.allEvents.Emit(ctx, event)
	})

	// Forward all system events to unified stream
	ea.systemEvents.AddListener(func(ctx context.Context, event docSystemEvent) {
		ea.allEvents.Emit(ctx, event)
	})
}

func TestConceptEventAggregation(t *testing.T) {
	ctx := context.Background()
	ea := &EventAggregator{
		userEvents:   signals.New[docUserEvent](),
		orderEvents:  signals.New[docOrderEvent](),
		systemEvents: signals.New[docSystemEvent](),
		allEvents:    signals.New[interface{}](),
	}
	ea.Setup()

	var seen callLog
	ea.allEvents.AddListener(func(ctx context.Context, event interface{}) {
		switch e := event.(type) { // the unified stream keeps each event's type
		case docUserEvent:
			seen.add("user %s %s", e.ID, e.Action)
		case docOrderEvent:
			seen.add("order %s %.2f", e.ID, e.Total)
		case docSystemEvent:
			seen.add("system %s: %s", e.Component, e.Message)
		default:
			seen.add("unexpected %T", e)
		}
	})

	ea.userEvents.Emit(ctx, docUserEvent{ID: "u-1", Action: "created"})
	ea.orderEvents.Emit(ctx, docOrderEvent{ID: "order-9", Total: 12.5})
	ea.systemEvents.Emit(ctx, docSystemEvent{Component: "db", Message: "failover"})

	// Drain the sources first: once their forwarding listeners have returned,
	// the emits on allEvents have started, and draining allEvents waits for
	// them.
	drain(t, ea.userEvents)
	drain(t, ea.orderEvents)
	drain(t, ea.systemEvents)
	drain(t, ea.allEvents)
	wantEqual(t, "unified stream", seen.takeSorted(), []string{
		"order order-9 12.50",
		"system db: failover",
		"user u-1 created",
	})
}

// ---------------------------------------------------------------------------
// Section "Advanced Design Patterns" / "2. Circuit Breaker Pattern"
// ---------------------------------------------------------------------------

type docAPIEvent struct{ Path string }

// fakeAPI stands in for the document's externalAPI.
type fakeAPI struct {
	calls int
	err   error
}

func (a *fakeAPI) Process(ctx context.Context, event docAPIEvent) error {
	a.calls++
	return a.err
}

// CircuitBreakerListener has no lock, as in the document: it is safe only
// where its calls never overlap, as on a SyncSignal that is not emitted on
// from several goroutines at once. On an AsyncSignal two emits would race on
// failures and isOpen.
type CircuitBreakerListener struct {
	failures  int
	threshold int
	isOpen    bool
	resetTime time.Time

	// Doc: externalAPI is a package-level service in the document; a field
	// here, so that each test has its own fake.
	externalAPI *fakeAPI
}

func (cb *CircuitBreakerListener) HandleEvent(ctx context.Context, event docAPIEvent) error {
	if cb.isOpen {
		if time.Now().Before(cb.resetTime) {
			return errors.New("circuit breaker is open")
		}
		cb.isOpen = false // Try to reset
		cb.failures = 0
	}

	err := cb.externalAPI.Process(ctx, event)
	if err != nil {
		cb.failures++
		if cb.failures >= cb.threshold {
			cb.isOpen = true
			cb.resetTime = time.Now().Add(30 * time.Second)
		}
		return err
	}

	cb.failures = 0 // Reset on success
	return nil
}

func TestConceptCircuitBreaker(t *testing.T) {
	ctx := context.Background()
	errUpstream := errors.New("503 from upstream")
	api := &fakeAPI{err: errUpstream}
	cb := &CircuitBreakerListener{threshold: 3, externalAPI: api}
	calls := signals.NewSync[docAPIEvent]()
	calls.AddListenerWithErr(cb.HandleEvent)
	event := docAPIEvent{Path: "/charge"}

	// A success in between resets the failure count.
	if err := calls.TryEmit(ctx, event); err != errUpstream || cb.failures != 1 {
		t.Fatalf("first failure: err %v, failures %d; want %v, 1", err, cb.failures, errUpstream)
	}
	api.err = nil
	if err := calls.TryEmit(ctx, event); err != nil || cb.failures != 0 {
		t.Fatalf("after a success: err %v, failures %d; want nil, 0", err, cb.failures)
	}

	// threshold failures in a row open the circuit for 30 seconds.
	api.err = errUpstream
	for i := range 3 {
		if err := calls.TryEmit(ctx, event); err != errUpstream {
			t.Fatalf("failure %d: TryEmit = %v, want %v", i+1, err, errUpstream)
		}
	}
	if !cb.isOpen {
		t.Fatal("circuit still closed after 3 failures")
	}
	if wait := time.Until(cb.resetTime); wait < 29*time.Second || wait > 30*time.Second {
		t.Errorf("circuit opens for %v, want 30s", wait)
	}

	// While open, the external API is not called at all.
	callsBefore := api.calls
	wantError(t, calls.TryEmit(ctx, event), "circuit breaker is open")
	if api.calls != callsBefore {
		t.Errorf("external API called %d times while the circuit was open", api.calls-callsBefore)
	}

	// Once the reset time has passed (moved into the past here rather than
	// waited for), the next event is tried again and a success closes it.
	cb.resetTime = time.Now().Add(-time.Millisecond)
	api.err = nil
	if err := calls.TryEmit(ctx, event); err != nil {
		t.Fatalf("after reset time: %v", err)
	}
	if cb.isOpen || cb.failures != 0 || api.calls != callsBefore+1 {
		t.Errorf("after reset: open %v, failures %d, API calls %d; want false, 0, %d",
			cb.isOpen, cb.failures, api.calls, callsBefore+1)
	}
}

// ---------------------------------------------------------------------------
// Section "Advanced Design Patterns" / "3. Saga Pattern for Distributed
// Transactions"
// ---------------------------------------------------------------------------

type docOrderData struct{ ID string }

type SagaEvent struct {
	OrderID string
	Step    string
	Status  string
	Error   string
}

type OrderSaga struct {
	steps  []SagaStep
	signal signals.Signal[SagaEvent]
}

type SagaStep struct {
	Name     string
	Execute  func(context.Context, docOrderData) error
	Rollback func(context.Context, docOrderData) error
}

func (saga *OrderSaga) Execute(ctx context.Context, order docOrderData) error {
	completedSteps := []int{}

	for i, step := range saga.steps {
		// Emit progress event
		saga.signal.Emit(ctx, SagaEvent{
			OrderID: order.ID,
			Step:    step.Name,
			Status:  "executing",
		})

		if err := step.Execute(ctx, order); err != nil {
			// Rollback completed steps in reverse order
			for j := len(completedSteps) - 1; j >= 0; j-- {
				stepIndex := completedSteps[j]
				saga.steps[stepIndex].Rollback(ctx, order)
			}

			saga.signal.Emit(ctx, SagaEvent{
				OrderID: order.ID,
				Status:  "failed",
				Error:   err.Error(),
			})
			return err
		}

		completedSteps = append(completedSteps, i)
	}

	saga.signal.Emit(ctx, SagaEvent{
		OrderID: order.ID,
		Status:  "completed",
	})
	return nil
}

func TestConceptSaga(t *testing.T) {
	errCarrier := errors.New("carrier unavailable")
	run := func(t *testing.T, shipErr error) (err error, steps []string, progress []SagaEvent) {
		t.Helper()
		step := func(name string, err error) SagaStep {
			return SagaStep{
				Name: name,
				Execute: func(ctx context.Context, o docOrderData) error {
					steps = append(steps, "execute "+name)
					return err
				},
				Rollback: func(ctx context.Context, o docOrderData) error {
					steps = append(steps, "rollback "+name)
					return nil
				},
			}
		}
		// The signal field is a signals.Signal, so it can hold a SyncSignal,
		// whose listeners see the progress events in order.
		events := signals.NewSync[SagaEvent]()
		events.AddListener(func(ctx context.Context, e SagaEvent) { progress = append(progress, e) })
		saga := &OrderSaga{signal: events, steps: []SagaStep{
			step("reserve-inventory", nil),
			step("charge-payment", nil),
			step("ship-order", shipErr),
		}}
		err = saga.Execute(context.Background(), docOrderData{ID: "order-7"})
		return err, steps, progress
	}

	t.Run("a failing step rolls back the completed ones in reverse order", func(t *testing.T) {
		err, steps, progress := run(t, errCarrier)
		if err != errCarrier {
			t.Errorf("Execute = %v, want %v", err, errCarrier)
		}
		wantEqual(t, "steps", steps, []string{
			"execute reserve-inventory", "execute charge-payment", "execute ship-order",
			"rollback charge-payment", "rollback reserve-inventory",
		})
		wantEqual(t, "progress events", progress, []SagaEvent{
			{OrderID: "order-7", Step: "reserve-inventory", Status: "executing"},
			{OrderID: "order-7", Step: "charge-payment", Status: "executing"},
			{OrderID: "order-7", Step: "ship-order", Status: "executing"},
			{OrderID: "order-7", Status: "failed", Error: "carrier unavailable"},
		})
	})

	t.Run("all steps succeed", func(t *testing.T) {
		err, steps, progress := run(t, nil)
		if err != nil {
			t.Errorf("Execute = %v, want nil", err)
		}
		wantEqual(t, "steps", steps, []string{
			"execute reserve-inventory", "execute charge-payment", "execute ship-order",
		})
		wantEqual(t, "last progress event", progress[len(progress)-1],
			SagaEvent{OrderID: "order-7", Status: "completed"})
		if len(progress) != 4 {
			t.Errorf("%d progress events, want 3 executing + 1 completed", len(progress))
		}
	})
}

// ---------------------------------------------------------------------------
// Section "Production Design Patterns" / "Observability & Monitoring"
// ---------------------------------------------------------------------------

// Doc: prometheus is replaced by these in-test metrics, here and in "Event
// Metrics Collection". They keep the calls the document makes (Inc, Observe,
// WithLabelValues) and just count. Their zero values are ready to use.

type testCounter struct {
	name string
	n    atomic.Int64
}

func newTestCounter(name, help string) *testCounter { return &testCounter{name: name} }
func (c *testCounter) Inc()                         { c.n.Add(1) }
func (c *testCounter) Value() int64                 { return c.n.Load() }

type testHistogram struct {
	name    string
	mu      sync.Mutex
	samples []float64
}

func newTestHistogram(name, help string) *testHistogram { return &testHistogram{name: name} }

func (h *testHistogram) Observe(v float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.samples = append(h.samples, v)
}

func (h *testHistogram) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.samples)
}

// testCounterVec and testHistogramVec keep one metric per label values,
// joined with "/".
type testCounterVec struct {
	mu       sync.Mutex
	byLabels map[string]*testCounter
}

func (v *testCounterVec) WithLabelValues(lvs ...string) *testCounter {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.byLabels == nil {
		v.byLabels = map[string]*testCounter{}
	}
	key := strings.Join(lvs, "/")
	if v.byLabels[key] == nil {
		v.byLabels[key] = &testCounter{name: key}
	}
	return v.byLabels[key]
}

func (v *testCounterVec) Values() map[string]int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	values := map[string]int64{}
	for k, c := range v.byLabels {
		values[k] = c.Value()
	}
	return values
}

type testHistogramVec struct {
	mu       sync.Mutex
	byLabels map[string]*testHistogram
}

func (v *testHistogramVec) WithLabelValues(lvs ...string) *testHistogram {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.byLabels == nil {
		v.byLabels = map[string]*testHistogram{}
	}
	key := strings.Join(lvs, "/")
	if v.byLabels[key] == nil {
		v.byLabels[key] = &testHistogram{name: key}
	}
	return v.byLabels[key]
}

func (v *testHistogramVec) Counts() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	counts := map[string]int{}
	for k, h := range v.byLabels {
		counts[k] = h.Count()
	}
	return counts
}

type docEvent struct {
	Type    string
	Payload string
}

// Metrics collection pattern
type MetricsCollector struct {
	emitCounter  *testCounterVec
	latencyHist  *testHistogramVec
	errorCounter *testCounterVec

	// Doc: processEvent is a package-level function in the document.
	processEvent func(context.Context, docEvent) error
}

func (mc *MetricsCollector) WrapSignal(signal signals.Signal[docEvent]) {
	signal.AddListener(func(ctx context.Context, event docEvent) {
		start := time.Now()
		defer func() {
			duration := time.Since(start)
			mc.latencyHist.WithLabelValues(event.Type).Observe(duration.Seconds())
			mc.emitCounter.WithLabelValues(event.Type, "success").Inc()
		}()

		// Process event
		if err := mc.processEvent(ctx, event); err != nil {
			mc.errorCounter.WithLabelValues(event.Type, err.Error()).Inc()
		}
	})
}

func TestConceptMetricsCollector(t *testing.T) {
	ctx := context.Background()
	mc := &MetricsCollector{
		emitCounter:  &testCounterVec{},
		latencyHist:  &testHistogramVec{},
		errorCounter: &testCounterVec{},
		processEvent: func(ctx context.Context, e docEvent) error {
			if e.Payload == "" {
				return errors.New("empty payload")
			}
			return nil
		},
	}
	events := signals.New[docEvent]()
	mc.WrapSignal(events)

	events.Emit(ctx, docEvent{Type: "order", Payload: "order-1"})
	events.Emit(ctx, docEvent{Type: "order"}) // fails in processEvent
	events.Emit(ctx, docEvent{Type: "user", Payload: "u-1"})
	drain(t, events)

	// As written, the document counts every event under "success", the
	// failed one too; errorCounter is the only trace of the failure.
	wantEqual(t, "emit counter", mc.emitCounter.Values(),
		map[string]int64{"order/success": 2, "user/success": 1})
	wantEqual(t, "error counter", mc.errorCounter.Values(),
		map[string]int64{"order/empty payload": 1})
	wantEqual(t, "latency observations", mc.latencyHist.Counts(),
		map[string]int{"order": 2, "user": 1})
}

// ---------------------------------------------------------------------------
// Section "Production Design Patterns" / "Rate Limiting & Backpressure"
// ---------------------------------------------------------------------------

type RateLimitedSignal struct {
	signal  signals.Signal[docEvent]
	limiter *rate.Limiter
	queue   chan docEvent
}

func NewRateLimitedSignal(rps int, burst int) *RateLimitedSignal {
	rls := &RateLimitedSignal{
		signal:  signals.New[docEvent](),
		limiter: rate.NewLimiter(rate.Limit(rps), burst),
		queue:   make(chan docEvent, 1000), // Buffer for backpressure
	}

	// Background processor respecting rate limits
	go func() {
		for event := range rls.queue {
			// Wait for rate limiter
			if err := rls.limiter.Wait(context.Background()); err != nil {
				continue
			}
			rls.signal.Emit(context.Background(), event)
		}
	}()

	return rls
}

func (rls *RateLimitedSignal) EmitWithBackpressure(event docEvent) error {
	select {
	case rls.queue <- event:
		return nil
	default:
		return errors.New("queue full - backpressure applied")
	}
}

func TestConceptRateLimitedSignalBackpressure(t *testing.T) {
	rls := NewRateLimitedSignal(1, 1) // one event per second, bursts of one
	// After the burst, allow one event an hour, so that no second event can
	// pass while the test runs, however slow the machine. The background
	// processor is left waiting on the limiter when the test ends.
	rls.limiter.SetLimit(rate.Every(time.Hour))
	delivered := make(chan docEvent, 2000)
	rls.signal.AddListener(func(ctx context.Context, e docEvent) { delivered <- e })

	// The burst passes at once.
	if err := rls.EmitWithBackpressure(docEvent{Type: "tick", Payload: "0"}); err != nil {
		t.Fatalf("first event: %v", err)
	}
	wantEqual(t, "first delivery", recvWithin(t, delivered), docEvent{Type: "tick", Payload: "0"})

	// The next events wait for the limiter: the processor holds one of them,
	// the queue buffers 1000, and then EmitWithBackpressure refuses.
	accepted := 0
	var err error
	for i := 1; i <= 1100; i++ {
		if err = rls.EmitWithBackpressure(docEvent{Type: "tick", Payload: fmt.Sprint(i)}); err != nil {
			break
		}
		accepted++
	}
	wantError(t, err, "queue full - backpressure applied")
	// 1000 in the buffer, plus the one the processor may already have taken.
	if accepted != 1000 && accepted != 1001 {
		t.Errorf("%d events accepted before backpressure, want 1000 or 1001", accepted)
	}
	if n := len(delivered); n != 0 {
		t.Errorf("%d events delivered beyond the burst, want 0 (rate limited)", n)
	}
}

// ---------------------------------------------------------------------------
// Section "Production Design Patterns" / "Event Sourcing Pattern"
// ---------------------------------------------------------------------------

type EventStore struct {
	events []StoredEvent
	signal signals.Signal[StoredEvent]
	mu     sync.RWMutex
}

type StoredEvent struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Data      []byte    `json:"data"`
	Timestamp time.Time `json:"timestamp"`
	Version   int       `json:"version"`
}

func (es *EventStore) Append(eventType string, data interface{}) error {
	es.mu.Lock()
	defer es.mu.Unlock()

	eventData, _ := json.Marshal(data)
	event := StoredEvent{
		// Doc: uuid.New().String() (github.com/google/uuid) in the document;
		// a sequence keeps the test free of that dependency.
		ID:        fmt.Sprintf("evt-%d", len(es.events)+1),
		Type:      eventType,
		Data:      eventData,
		Timestamp: time.Now(),
		Version:   len(es.events) + 1,
	}

	es.events = append(es.events, event)

	// Notify subscribers of new event
	go es.signal.Emit(context.Background(), event)

	return nil
}

func (es *EventStore) Replay(fromVersion int) {
	es.mu.RLock()
	defer es.mu.RUnlock()

	for _, event := range es.events[fromVersion:] {
		es.signal.Emit(context.Background(), event)
	}
}

func TestConceptEventSourcing(t *testing.T) {
	es := &EventStore{signal: signals.New[StoredEvent]()}
	heard := emitProbe(es.signal)
	summary := func(e StoredEvent) string { return fmt.Sprintf("v%d %s %s %s", e.Version, e.ID, e.Type, e.Data) }
	receive := func(n int) []string {
		var got []string
		for range n {
			got = append(got, summary(recvWithin(t, heard)))
		}
		sort.Strings(got) // emits on separate goroutines arrive in any order
		return got
	}

	es.Append("UserRegistered", map[string]string{"user": "ada"})
	es.Append("EmailChanged", map[string]string{"email": "ada@example.com"})
	es.Append("UserDeleted", map[string]string{"user": "ada"})
	wantEqual(t, "events heard live", receive(3), []string{
		`v1 evt-1 UserRegistered {"user":"ada"}`,
		`v2 evt-2 EmailChanged {"email":"ada@example.com"}`,
		`v3 evt-3 UserDeleted {"user":"ada"}`,
	})

	// Replay's argument is a slice index: Replay(n) skips the first n events,
	// so Replay(1) replays versions 2 and 3, and Replay(0) replays them all.
	es.Replay(1)
	wantEqual(t, "Replay(1)", receive(2), []string{
		`v2 evt-2 EmailChanged {"email":"ada@example.com"}`,
		`v3 evt-3 UserDeleted {"user":"ada"}`,
	})
	es.Replay(0)
	if got := receive(3); len(got) != 3 || !strings.HasPrefix(got[0], "v1 ") {
		t.Errorf("Replay(0) = %q, want versions 1 to 3", got)
	}
	drain(t, es.signal)
	if n := len(heard); n != 0 {
		t.Errorf("%d extra events heard", n)
	}
}

// ---------------------------------------------------------------------------
// Section "Practical Inter-Process Communication Examples" /
// "1. Cross-Package Event Coordination"
// ---------------------------------------------------------------------------

// docEvents is the document's events package (events/signals.go): global
// signals shared by the auth, notifications, db, audit, history, middleware,
// logger, analytics and cache packages. Where those packages register their
// listeners in init, the register functions below do it on the docEvents
// they are given, so that each test has fresh signals.
type docEvents struct {
	UserCreated signals.Signal[docUserEvent]
	UserUpdated signals.Signal[docUserEvent]
	UserDeleted signals.Signal[docUserEvent]

	DBTransaction *signals.SyncSignal[docTransactionEvent]
	RequestLogged signals.Signal[docRequestEvent]
}

func newDocEvents() *docEvents {
	return &docEvents{
		UserCreated: signals.New[docUserEvent](),
		UserUpdated: signals.New[docUserEvent](),
		UserDeleted: signals.New[docUserEvent](),

		DBTransaction: signals.NewSync[docTransactionEvent](),
		// Doc: the document writes signals.Signal[RequestEvent](), which is
		// not valid Go: Signal is an interface type, and a conversion needs an
		// operand. signals.New[RequestEvent]() is the nearest valid form.
		RequestLogged: signals.New[docRequestEvent](),
	}
}

type docTransactionEvent struct {
	Operation string      `json:"operation"`
	Table     string      `json:"table"`
	Data      interface{} `json:"data"`
	UserID    string      `json:"user_id"`
}

type docUser struct {
	ID    string
	Email string
}

// userServices fakes what the auth and notifications packages call: db,
// cache, audit, tokenStore, sessionStore and email. It records every call.
type userServices struct{ calls *callLog }

func (s userServices) CreateUser(email, password string) (*docUser, error) {
	s.calls.add("db.CreateUser %s", email)
	return &docUser{ID: "u-1", Email: email}, nil
}
func (s userServices) InvalidateUser(id string) { s.calls.add("cache.InvalidateUser %s", id) }
func (s userServices) LogUserAction(id, action string) {
	s.calls.add("audit.LogUserAction %s %s", id, action)
}
func (s userServices) RevokeAllTokens(id string) { s.calls.add("tokenStore.RevokeAllTokens %s", id) }
func (s userServices) ClearUserSessions(id string) {
	s.calls.add("sessionStore.ClearUserSessions %s", id)
}
func (s userServices) SendWelcomeEmail(email string) {
	s.calls.add("email.SendWelcomeEmail %s", email)
}
func (s userServices) SendEmailChangeNotification(email string) {
	s.calls.add("email.SendEmailChangeNotification %s", email)
}

// registerAuth is the init function of auth/service.go.
func registerAuth(events *docEvents, services userServices) {
	cache, audit, tokenStore, sessionStore := services, services, services, services

	// Listen for user events from other packages
	events.UserCreated.AddListener(func(ctx context.Context, user docUserEvent) {
		// Clear auth caches when user is created
		cache.InvalidateUser(user.ID)
		audit.LogUserAction(user.ID, "account_created")
	}, "auth-cache-invalidation")

	events.UserDeleted.AddListener(func(ctx context.Context, user docUserEvent) {
		// Cleanup auth tokens when user deleted
		tokenStore.RevokeAllTokens(user.ID)
		sessionStore.ClearUserSessions(user.ID)
	}, "auth-cleanup")
}

// authCreateUser is CreateUser of auth/service.go.
func authCreateUser(ctx context.Context, events *docEvents, db userServices, email, password string) (*docUser, error) {
	user, err := db.CreateUser(email, password)
	if err != nil {
		return nil, err
	}

	// Emit event for other packages to handle
	go events.UserCreated.Emit(ctx, docUserEvent{
		ID:     user.ID,
		Email:  user.Email,
		Action: "created",
	})

	return user, nil
}

// registerNotifications is the init function of notifications/service.go.
func registerNotifications(events *docEvents, email userServices) {
	// React to user events from auth package
	events.UserCreated.AddListener(func(ctx context.Context, user docUserEvent) {
		email.SendWelcomeEmail(user.Email)
	}, "welcome-email")

	events.UserUpdated.AddListener(func(ctx context.Context, user docUserEvent) {
		if emailChanged := user.Changes["email"]; emailChanged != nil {
			email.SendEmailChangeNotification(user.Email)
		}
	}, "email-change-notification")
}

func TestConceptCrossPackageCoordination(t *testing.T) {
	ctx := context.Background()
	events := newDocEvents()
	services := userServices{calls: &callLog{}}
	registerAuth(events, services)
	registerNotifications(events, services)

	wantEqual(t, "UserCreated keys", events.UserCreated.Keys(),
		[]string{"auth-cache-invalidation", "welcome-email"})
	// Keys make registration idempotent: running an init twice adds nothing.
	registerAuth(events, services)
	registerNotifications(events, services)
	if n := events.UserCreated.Len(); n != 2 {
		t.Errorf("UserCreated has %d listeners after registering twice, want 2", n)
	}
	if n := events.UserCreated.AddListener(func(context.Context, docUserEvent) {}, "welcome-email"); n != -1 {
		t.Errorf("AddListener with a taken key = %d, want -1", n)
	}

	// CreateUser emits on a goroutine of its own: wait for the probe to hear
	// the emit, then drain its listeners.
	heard := emitProbe(events.UserCreated)
	user, err := authCreateUser(ctx, events, services, "ada@example.com", "secret")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "emitted event", recvWithin(t, heard),
		docUserEvent{ID: user.ID, Email: "ada@example.com", Action: "created"})
	drain(t, events.UserCreated)
	wantEqual(t, "calls after CreateUser", services.calls.takeSorted(), []string{
		"audit.LogUserAction u-1 account_created",
		"cache.InvalidateUser u-1",
		"db.CreateUser ada@example.com",
		"email.SendWelcomeEmail ada@example.com",
	})

	events.UserDeleted.Emit(ctx, docUserEvent{ID: "u-1", Action: "deleted"})
	drain(t, events.UserDeleted)
	wantEqual(t, "calls after UserDeleted", services.calls.takeSorted(), []string{
		"sessionStore.ClearUserSessions u-1",
		"tokenStore.RevokeAllTokens u-1",
	})

	events.UserUpdated.Emit(ctx, docUserEvent{ID: "u-1", Email: "ada@example.org",
		Changes: map[string]interface{}{"email": "ada@example.org"}})
	events.UserUpdated.Emit(ctx, docUserEvent{ID: "u-1", Changes: map[string]interface{}{"name": "Ada"}})
	drain(t, events.UserUpdated)
	wantEqual(t, "calls after UserUpdated", services.calls.takeSorted(), []string{
		"email.SendEmailChangeNotification ada@example.org",
	})
}

// ---------------------------------------------------------------------------
// Section "Practical Inter-Process Communication Examples" /
// "2. Database Transaction Cancellation"
// ---------------------------------------------------------------------------

// fakeSQLDB and fakeTx stand in for *sql.DB and *sql.Tx, which would need a
// database driver. They record Begin, the operations, Commit and Rollback.
type fakeSQLDB struct{ log []string }

type fakeTx struct{ db *fakeSQLDB }

func (db *fakeSQLDB) BeginTx(ctx context.Context, opts any) (*fakeTx, error) {
	db.log = append(db.log, "begin")
	return &fakeTx{db: db}, nil
}
func (tx *fakeTx) Commit() error   { tx.db.log = append(tx.db.log, "commit"); return nil }
func (tx *fakeTx) Rollback() error { tx.db.log = append(tx.db.log, "rollback"); return nil }

// docOperation is the document's undefined Operation.
type docOperation struct {
	Type   string
	Table  string
	Data   interface{}
	UserID string
	err    error // what Execute returns
}

func (op docOperation) Execute(tx *fakeTx) error {
	tx.db.log = append(tx.db.log, op.Type+" "+op.Table)
	return op.err
}

type TransactionManager struct {
	db *fakeSQLDB // Doc: *sql.DB in the document

	// Doc: the document uses the events package's globals.
	events *docEvents
}

func (tm *TransactionManager) init() {
	events := tm.events
	// Listen for transaction events that might need cancellation
	events.DBTransaction.AddListenerWithErr(func(ctx context.Context, event docTransactionEvent) error {
		// Validate transaction before committing
		return tm.validateTransaction(ctx, event)
	}, "transaction-validator")
}

// validateTransaction is not shown in the document; this one rejects an
// operation without a table.
func (tm *TransactionManager) validateTransaction(ctx context.Context, event docTransactionEvent) error {
	if event.Table == "" {
		return fmt.Errorf("%s without a table", event.Operation)
	}
	return nil
}

func (tm *TransactionManager) ExecuteTransaction(ctx context.Context, operations []docOperation) error {
	events := tm.events
	tx, err := tm.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}

	// Setup cancellation context
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Rollback on any error or cancellation
	defer func() {
		if ctx.Err() != nil || recover() != nil {
			tx.Rollback()
		}
	}()

	for _, op := range operations {
		// Check for cancellation before each operation
		select {
		case <-ctx.Done():
			return ctx.Err() // Transaction cancelled
		default:
		}

		// Execute operation
		if err := op.Execute(tx); err != nil {
			cancel() // Cancel context to signal rollback
			return err
		}

		// Emit transaction event for validation
		if err := events.DBTransaction.TryEmit(ctx, docTransactionEvent{
			Operation: op.Type,
			Table:     op.Table,
			Data:      op.Data,
			UserID:    op.UserID,
		}); err != nil {
			cancel() // Validator failed - cancel transaction
			return fmt.Errorf("transaction validation failed: %w", err)
		}
	}

	return tx.Commit()
}

// fakePermissions is the document's permissions package: every user but the
// denied ones may modify every table. It records what it was asked.
type fakePermissions struct {
	denied map[string]bool
	asked  []string
}

func (p *fakePermissions) UserCanModify(userID, table string) bool {
	p.asked = append(p.asked, userID+" "+table)
	return !p.denied[userID]
}

// registerAudit is the init function of audit/validator.go.
func registerAudit(events *docEvents, permissions *fakePermissions) {
	events.DBTransaction.AddListenerWithErr(func(ctx context.Context, event docTransactionEvent) error {
		// Check if user has permission for this operation
		if !permissions.UserCanModify(event.UserID, event.Table) {
			return fmt.Errorf("user %s not authorized for %s on %s",
				event.UserID, event.Operation, event.Table)
		}

		// Check business rules
		if event.Operation == "delete" && event.Table == "users" {
			return fmt.Errorf("user deletion not allowed via transaction")
		}

		return nil
	}, "audit-permissions")
}

func TestConceptTransactionValidation(t *testing.T) {
	setup := func() (*TransactionManager, *fakeSQLDB, *fakePermissions) {
		events := newDocEvents()
		db := &fakeSQLDB{}
		tm := &TransactionManager{db: db, events: events}
		tm.init()
		permissions := &fakePermissions{denied: map[string]bool{"mallory": true}}
		registerAudit(events, permissions)
		return tm, db, permissions
	}
	ctx := context.Background()

	t.Run("valid operations commit", func(t *testing.T) {
		tm, db, _ := setup()
		err := tm.ExecuteTransaction(ctx, []docOperation{
			{Type: "insert", Table: "orders", UserID: "ada"},
			{Type: "update", Table: "orders", UserID: "ada"},
		})
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "db log", db.log, []string{"begin", "insert orders", "update orders", "commit"})
	})

	t.Run("the audit validator rejects deleting users", func(t *testing.T) {
		tm, db, _ := setup()
		err := tm.ExecuteTransaction(ctx, []docOperation{
			{Type: "update", Table: "accounts", UserID: "ada"},
			{Type: "delete", Table: "users", UserID: "ada"},
			{Type: "insert", Table: "audit_log", UserID: "ada"},
		})
		wantError(t, err, `transaction validation failed: signals: listener "audit-permissions": `+
			`user deletion not allowed via transaction`)
		var lerr *signals.ListenerError
		if !errors.As(err, &lerr) || lerr.Key != "audit-permissions" {
			t.Errorf("errors.As(%v, *ListenerError) found none with key audit-permissions", err)
		}
		// The third operation never runs; the transaction is rolled back.
		wantEqual(t, "db log", db.log, []string{"begin", "update accounts", "delete users", "rollback"})
	})

	t.Run("an unauthorized user is rejected", func(t *testing.T) {
		tm, db, _ := setup()
		err := tm.ExecuteTransaction(ctx, []docOperation{{Type: "update", Table: "accounts", UserID: "mallory"}})
		wantError(t, err, `transaction validation failed: signals: listener "audit-permissions": `+
			`user mallory not authorized for update on accounts`)
		wantEqual(t, "db log", db.log, []string{"begin", "update accounts", "rollback"})
	})

	t.Run("TryEmit stops at the first validator that fails", func(t *testing.T) {
		tm, db, permissions := setup()
		err := tm.ExecuteTransaction(ctx, []docOperation{{Type: "insert", UserID: "ada"}})
		wantError(t, err, `transaction validation failed: signals: listener "transaction-validator": `+
			`insert without a table`)
		if len(permissions.asked) != 0 {
			t.Errorf("audit validator ran after the first validator failed: %q", permissions.asked)
		}
		wantEqual(t, "db log", db.log, []string{"begin", "insert ", "rollback"})
	})

	t.Run("a failing operation rolls back without validation", func(t *testing.T) {
		tm, db, permissions := setup()
		errDisk := errors.New("disk full")
		err := tm.ExecuteTransaction(ctx, []docOperation{{Type: "insert", Table: "orders", err: errDisk}})
		if err != errDisk {
			t.Errorf("ExecuteTransaction = %v, want %v", err, errDisk)
		}
		if len(permissions.asked) != 0 {
			t.Errorf("validators ran for a failed operation: %q", permissions.asked)
		}
		wantEqual(t, "db log", db.log, []string{"begin", "insert orders", "rollback"})
	})
}

// ---------------------------------------------------------------------------
// Section "Practical Inter-Process Communication Examples" /
// "3. Change History Tracking During Updates"
// ---------------------------------------------------------------------------

type ChangeRecord struct {
	ID        string    `json:"id"`
	Table     string    `json:"table"`
	RecordID  string    `json:"record_id"`
	UserID    string    `json:"user_id"`
	Before    string    `json:"before"`  // JSON of old values
	After     string    `json:"after"`   // JSON of new values
	Changes   []string  `json:"changes"` // List of changed fields
	Timestamp time.Time `json:"timestamp"`
}

// historyDB is the db package the tracker calls: GetRecordSnapshot returns
// the stored row, SaveChangeRecord passes the record on to the test.
type historyDB struct {
	rows  map[string]map[string]interface{} // by "table/id"
	saved chan ChangeRecord
}

func (db *historyDB) GetRecordSnapshot(table, id string) (map[string]interface{}, error) {
	row, ok := db.rows[table+"/"+id]
	if !ok {
		return nil, fmt.Errorf("%s/%s not found", table, id)
	}
	return row, nil
}

func (db *historyDB) SaveChangeRecord(r ChangeRecord) error {
	db.saved <- r
	return nil
}

var changeIDs atomic.Int64

func generateChangeID() string { return fmt.Sprintf("chg-%d", changeIDs.Add(1)) }

// registerHistory is the init function of history/tracker.go.
func registerHistory(events *docEvents, db *historyDB) {
	// Track all database changes
	events.DBTransaction.AddListener(func(ctx context.Context, event docTransactionEvent) {
		if event.Operation == "update" {
			go trackChanges(ctx, db, event)
		}
	}, "change-tracker")
}

func trackChanges(ctx context.Context, db *historyDB, event docTransactionEvent) {
	// Doc: TransactionEvent.Data is an interface{}, and Go cannot index an
	// interface{}: the document's event.Data["id"] needs a type assertion.
	// Both assertions are checked, since a failed one would panic on this
	// goroutine, where nothing recovers it.
	data, ok := event.Data.(map[string]interface{})
	if !ok {
		return
	}
	id, ok := data["id"].(string)
	if !ok {
		return
	}

	// Get the before state
	before, err := db.GetRecordSnapshot(event.Table, id)
	if err != nil {
		docLog.Error("Failed to get before snapshot", "error", err)
		return
	}

	// Compare before and after
	changes := compareRecords(before, data)

	if len(changes) > 0 {
		beforeJSON, _ := json.Marshal(before)
		afterJSON, _ := json.Marshal(data)

		changeRecord := ChangeRecord{
			ID:        generateChangeID(),
			Table:     event.Table,
			RecordID:  id,
			UserID:    event.UserID,
			Before:    string(beforeJSON),
			After:     string(afterJSON),
			Changes:   changes,
			Timestamp: time.Now(),
		}

		// Store change history
		if err := db.SaveChangeRecord(changeRecord); err != nil {
			docLog.Error("Failed to save change record", "error", err)
		}
	}
}

func compareRecords(before, after map[string]interface{}) []string {
	var changes []string

	for key, afterVal := range after {
		if beforeVal, exists := before[key]; exists {
			if !reflect.DeepEqual(beforeVal, afterVal) {
				changes = append(changes, key)
			}
		} else {
			changes = append(changes, key) // New field
		}
	}

	return changes
}

func TestConceptChangeHistoryTracking(t *testing.T) {
	ctx := context.Background()
	events := newDocEvents()
	db := &historyDB{
		rows: map[string]map[string]interface{}{
			"users/42": {"id": "42", "name": "Ada", "email": "ada@old.example"},
		},
		saved: make(chan ChangeRecord, 4),
	}
	registerHistory(events, db)

	// Inserts are not tracked; the tracker is a plain listener, so TryEmit
	// succeeds whatever the tracker does.
	if err := events.DBTransaction.TryEmit(ctx, docTransactionEvent{
		Operation: "insert", Table: "users", UserID: "admin",
		Data: map[string]interface{}{"id": "43", "name": "Grace"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := events.DBTransaction.TryEmit(ctx, docTransactionEvent{
		Operation: "update", Table: "users", UserID: "admin",
		Data: map[string]interface{}{"id": "42", "name": "Ada", "email": "ada@new.example", "plan": "pro"},
	}); err != nil {
		t.Fatal(err)
	}

	record := recvWithin(t, db.saved)
	sort.Strings(record.Changes) // map order: compareRecords lists them in any order
	wantEqual(t, "changed fields", record.Changes, []string{"email", "plan"})
	wantEqual(t, "record", [5]string{record.Table, record.RecordID, record.UserID, record.Before, record.After},
		[5]string{"users", "42", "admin",
			`{"email":"ada@old.example","id":"42","name":"Ada"}`,
			`{"email":"ada@new.example","id":"42","name":"Ada","plan":"pro"}`})
	if !strings.HasPrefix(record.ID, "chg-") || record.Timestamp.IsZero() {
		t.Errorf("record ID %q, timestamp %v: want an ID and a time", record.ID, record.Timestamp)
	}
}

func TestConceptCompareRecords(t *testing.T) {
	before := map[string]interface{}{"id": "1", "name": "Ada", "tags": []string{"a"}}
	for _, tt := range []struct {
		after map[string]interface{}
		want  []string
	}{
		{map[string]interface{}{"id": "1", "name": "Ada", "tags": []string{"a"}}, nil},
		{map[string]interface{}{"id": "1", "name": "Grace"}, []string{"name"}},
		{map[string]interface{}{"id": "1", "tags": []string{"a", "b"}, "plan": "pro"}, []string{"plan", "tags"}},
	} {
		got := compareRecords(before, tt.after)
		sort.Strings(got)
		// A field missing from after is not reported as changed.
		wantEqual(t, fmt.Sprintf("compareRecords(%v)", tt.after), got, tt.want)
	}
}

// ---------------------------------------------------------------------------
// Section "Practical Inter-Process Communication Examples" /
// "4. Request Logging Across HTTP Handlers"
// ---------------------------------------------------------------------------

type docRequestEvent struct {
	RequestID string            `json:"request_id"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	UserID    string            `json:"user_id,omitempty"`
	Headers   map[string]string `json:"headers"`
	Body      string            `json:"body,omitempty"`
	StartTime time.Time         `json:"start_time"`
	Duration  time.Duration     `json:"duration,omitempty"`
	Status    int               `json:"status,omitempty"`
}

// requestLogging is the document's middleware package. Its globals become
// fields: the events, and a clock, so that a request can take 600ms without
// the test sleeping.
type requestLogging struct {
	events *docEvents
	now    func() time.Time
	lastID atomic.Int64
}

func (m *requestLogging) generateRequestID() string { return fmt.Sprintf("req-%d", m.lastID.Add(1)) }

func getUserID(r *http.Request) string { return r.Header.Get("X-User-ID") }

func getHeaders(r *http.Request) map[string]string {
	headers := map[string]string{}
	for name := range r.Header {
		headers[name] = r.Header.Get(name)
	}
	return headers
}

// requestIDKey is the context key of the request ID. Doc: the document uses
// the string "request_id", which is valid Go, but a string key can collide
// with another package's (staticcheck SA1029); a key type of its own cannot.
type requestIDKey struct{}

// loggingResponseWriter is the document's undefined responseWriter: it
// remembers the status code the handler writes.
type loggingResponseWriter struct {
	http.ResponseWriter
	statusCode int
}

func (w *loggingResponseWriter) WriteHeader(code int) {
	w.statusCode = code
	w.ResponseWriter.WriteHeader(code)
}

func (m *requestLogging) LoggingMiddleware(next http.Handler) http.Handler {
	events := m.events
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := m.generateRequestID()
		startTime := m.now()

		// Add request ID to context
		ctx := context.WithValue(r.Context(), requestIDKey{}, requestID)
		r = r.WithContext(ctx)

		// Emit request started event
		go events.RequestLogged.Emit(ctx, docRequestEvent{
			RequestID: requestID,
			Method:    r.Method,
			Path:      r.URL.Path,
			UserID:    getUserID(r),
			Headers:   getHeaders(r),
			StartTime: startTime,
		})

		// Wrap response writer to capture status
		wrapped := &loggingResponseWriter{ResponseWriter: w, statusCode: 200}

		// Execute handler
		next.ServeHTTP(wrapped, r)

		// Emit request completed event
		go events.RequestLogged.Emit(ctx, docRequestEvent{
			RequestID: requestID,
			// Doc: the document's completed event has only RequestID,
			// Duration and Status, so its analytics listener, which reads
			// completed events only, counts every request under the path ""
			// and never sees a user. Method, Path and UserID are added here.
			Method:   r.Method,
			Path:     r.URL.Path,
			UserID:   getUserID(r),
			Duration: m.now().Sub(startTime),
			Status:   wrapped.statusCode,
		})
	})
}

// registerLogger is the init function of logger/service.go, writing to out
// instead of os.Stdout. Doc: the document's logger package names the type
// RequestEvent unqualified, but it is declared in package middleware (or
// events); that does not compile in package logger.
func registerLogger(events *docEvents, out io.Writer) {
	requestLogger := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{ReplaceAttr: withoutTime}))

	// Listen for request events from middleware
	events.RequestLogged.AddListener(func(ctx context.Context, event docRequestEvent) {
		if event.Duration > 0 {
			// Request completed
			requestLogger.Info("HTTP Request Completed",
				"request_id", event.RequestID,
				"duration_ms", event.Duration.Milliseconds(),
				"status", event.Status,
			)
		} else {
			// Request started
			requestLogger.Info("HTTP Request Started",
				"request_id", event.RequestID,
				"method", event.Method,
				"path", event.Path,
				"user_id", event.UserID,
			)
		}
	}, "request-logger")
}

// requestAnalytics holds the analytics package's globals and its alerting
// service. Doc: the document updates plain maps from a listener of an
// AsyncSignal, where listeners of different emits run at once: two requests
// completing together race on the maps. The lock is added here.
type requestAnalytics struct {
	mu                 sync.Mutex
	slowRequestCounter testCounter
	endpointUsage      map[string]int
	userActivity       map[string]time.Time
	alerts             []docRequestEvent
	now                func() time.Time
}

// getSlowRequestRate is the share of slow requests among the completed ones,
// counting the one being handled (not yet in endpointUsage).
func (a *requestAnalytics) getSlowRequestRate() float64 {
	completed := 1
	for _, n := range a.endpointUsage {
		completed += n
	}
	return float64(a.slowRequestCounter.Value()) / float64(completed)
}

func (a *requestAnalytics) SendSlowRequestAlert(event docRequestEvent) {
	a.alerts = append(a.alerts, event)
}

// registerAnalytics is the init function of analytics/service.go.
func registerAnalytics(events *docEvents, a *requestAnalytics) {
	alerting := a
	// Track request patterns
	events.RequestLogged.AddListener(func(ctx context.Context, event docRequestEvent) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if event.Duration > 0 {
			// Track slow requests
			if event.Duration > 500*time.Millisecond {
				a.slowRequestCounter.Inc()

				// Alert if too many slow requests
				if a.getSlowRequestRate() > 0.1 { // 10% slow requests
					alerting.SendSlowRequestAlert(event)
				}
			}

			// Track API usage by endpoint
			a.endpointUsage[event.Path]++

			// Track user activity
			if event.UserID != "" {
				a.userActivity[event.UserID] = a.now()
			}
		}
	}, "analytics-tracker")
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestConceptRequestLogging(t *testing.T) {
	events := newDocEvents()
	clock := &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	var logs bytes.Buffer // the JSON handler serializes its writes
	registerLogger(events, &logs)
	analytics := &requestAnalytics{endpointUsage: map[string]int{}, userActivity: map[string]time.Time{}, now: clock.Now}
	registerAnalytics(events, analytics)
	heard := emitProbe(events.RequestLogged)

	m := &requestLogging{events: events, now: clock.Now}
	var seenIDs []string
	handler := m.LoggingMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenIDs = append(seenIDs, r.Context().Value(requestIDKey{}).(string))
		if r.URL.Path == "/api/orders" {
			clock.Advance(600 * time.Millisecond) // a slow request
			w.WriteHeader(http.StatusCreated)
			return
		}
		clock.Advance(20 * time.Millisecond)
		io.WriteString(w, "ok") // status 200 without WriteHeader
	}))

	slow := httptest.NewRequest(http.MethodPost, "/api/orders", nil)
	slow.Header.Set("X-User-ID", "u-1")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, slow)
	if rec.Code != http.StatusCreated {
		t.Errorf("status %d, want 201", rec.Code)
	}
	handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/users", nil))
	wantEqual(t, "request IDs seen by the handler", seenIDs, []string{"req-1", "req-2"})

	// The middleware emits on goroutines of its own (go Emit): wait for the
	// probe to hear all four emits, then drain their listeners.
	for range 4 {
		recvWithin(t, heard)
	}
	drain(t, events.RequestLogged)

	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var record map[string]any
		if err := json.Unmarshal([]byte(line), &record); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		delete(record, "level")
		b, _ := json.Marshal(record) // json.Marshal sorts the keys
		lines = append(lines, string(b))
	}
	sort.Strings(lines) // concurrent listeners log in any order
	wantEqual(t, "request log", lines, []string{
		`{"duration_ms":20,"msg":"HTTP Request Completed","request_id":"req-2","status":200}`,
		`{"duration_ms":600,"msg":"HTTP Request Completed","request_id":"req-1","status":201}`,
		`{"method":"GET","msg":"HTTP Request Started","path":"/api/users","request_id":"req-2","user_id":""}`,
		`{"method":"POST","msg":"HTTP Request Started","path":"/api/orders","request_id":"req-1","user_id":"u-1"}`,
	})

	if n := analytics.slowRequestCounter.Value(); n != 1 {
		t.Errorf("slow requests: %d, want 1", n)
	}
	if len(analytics.alerts) != 1 || analytics.alerts[0].RequestID != "req-1" {
		t.Errorf("slow-request alerts: %+v, want one for req-1", analytics.alerts)
	}
	wantEqual(t, "endpoint usage", analytics.endpointUsage, map[string]int{"/api/orders": 1, "/api/users": 1})
	if _, ok := analytics.userActivity["u-1"]; !ok || len(analytics.userActivity) != 1 {
		t.Errorf("user activity %v, want u-1 only", analytics.userActivity)
	}
}

// net/http cancels a request's context when ServeHTTP returns, and an
// AsyncSignal's Emit with a context that is already done starts nothing. So
// the document's "go events.RequestLogged.Emit(ctx, ...)" after
// next.ServeHTTP can lose the completed event in a real server, whenever its
// goroutine runs after the request has ended. Calling Emit directly (it
// returns at once anyway) or passing context.WithoutCancel(ctx) keeps it.
func TestConceptRequestLoggingEmitAfterRequestEnded(t *testing.T) {
	requestLogged := signals.New[docRequestEvent]()
	var delivered atomic.Int32
	requestLogged.AddListener(func(ctx context.Context, e docRequestEvent) { delivered.Add(1) })

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // what net/http does once the handler has returned

	requestLogged.Emit(ctx, docRequestEvent{RequestID: "req-1", Status: 200})
	drain(t, requestLogged)
	if n := delivered.Load(); n != 0 {
		t.Fatalf("emit with a cancelled context delivered %d events, want 0", n)
	}
	requestLogged.Emit(context.WithoutCancel(ctx), docRequestEvent{RequestID: "req-1", Status: 200})
	drain(t, requestLogged)
	if n := delivered.Load(); n != 1 {
		t.Fatalf("emit with context.WithoutCancel delivered %d events, want 1", n)
	}
}

// ---------------------------------------------------------------------------
// Section "Practical Inter-Process Communication Examples" /
// "5. Cache Invalidation Coordination"
// ---------------------------------------------------------------------------

type CacheInvalidationEvent struct {
	CacheKey string   `json:"cache_key"`
	Tags     []string `json:"tags"`
	Reason   string   `json:"reason"`
	UserID   string   `json:"user_id,omitempty"`
}

// registerCache is the init function of cache/coordinator.go; its global
// CacheInvalidated signal is a parameter. Doc: the document's cache package
// calls signals.New without importing signals.
func registerCache(events *docEvents, CacheInvalidated signals.Signal[CacheInvalidationEvent]) {
	// Listen for user events to invalidate user-related caches
	events.UserUpdated.AddListener(func(ctx context.Context, user docUserEvent) {
		go CacheInvalidated.Emit(ctx, CacheInvalidationEvent{
			Tags:   []string{"user:" + user.ID, "users"},
			Reason: "user_updated",
			UserID: user.ID,
		})
	}, "user-cache-invalidation")

	// Listen for database transactions to invalidate related caches
	events.DBTransaction.AddListener(func(ctx context.Context, event docTransactionEvent) {
		go CacheInvalidated.Emit(ctx, CacheInvalidationEvent{
			Tags:   []string{"table:" + event.Table},
			Reason: "db_" + event.Operation,
			UserID: event.UserID,
		})
	}, "db-cache-invalidation")
}

func TestConceptCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	events := newDocEvents()
	cacheInvalidated := signals.New[CacheInvalidationEvent]()
	registerCache(events, cacheInvalidated)
	invalidations := emitProbe(cacheInvalidated)

	events.UserUpdated.Emit(ctx, docUserEvent{ID: "42", Action: "updated"})
	wantEqual(t, "after UserUpdated", recvWithin(t, invalidations), CacheInvalidationEvent{
		Tags: []string{"user:42", "users"}, Reason: "user_updated", UserID: "42",
	})

	if err := events.DBTransaction.TryEmit(ctx, docTransactionEvent{
		Operation: "update", Table: "orders", UserID: "7",
	}); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "after DBTransaction", recvWithin(t, invalidations), CacheInvalidationEvent{
		Tags: []string{"table:orders"}, Reason: "db_update", UserID: "7",
	})

	drain(t, events.UserUpdated)
	drain(t, cacheInvalidated)
	if n := len(invalidations); n != 0 {
		t.Errorf("%d extra invalidations", n)
	}
}

// ---------------------------------------------------------------------------
// Section "Best Practices & Guidelines" / "Error Handling Best Practices" /
// "1. Layered Error Handling Strategy" and
// "2. Comprehensive Error Handling Pattern"
// ---------------------------------------------------------------------------

// Define custom error types for different layers
type docValidationError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

func (e docValidationError) Error() string {
	return fmt.Sprintf("validation failed for %s: %s (%s)", e.Field, e.Message, e.Code)
}

type docBusinessLogicError struct {
	Operation string `json:"operation"`
	Reason    string `json:"reason"`
	Retryable bool   `json:"retryable"`
}

func (e docBusinessLogicError) Error() string {
	return fmt.Sprintf("business logic error in %s: %s", e.Operation, e.Reason)
}

type docSystemError struct {
	Service string `json:"service"`
	Cause   error  `json:"cause"`
}

func (e docSystemError) Error() string {
	return fmt.Sprintf("system error in %s: %v", e.Service, e.Cause)
}

type docUserRegistrationData struct {
	Email    string
	Password string
}

// registrationDB is the document's database service. It records its calls;
// existsErr and createErr make them fail, and onExists runs inside
// UserExists (the tests cancel the context there).
type registrationDB struct {
	calls     []string
	existing  map[string]bool
	existsErr error
	createErr error
	onExists  func()
}

func (db *registrationDB) UserExists(ctx context.Context, email string) (bool, error) {
	db.calls = append(db.calls, "UserExists "+email)
	if db.onExists != nil {
		db.onExists()
	}
	return db.existing[email], db.existsErr
}

func (db *registrationDB) CreateUser(ctx context.Context, user docUserRegistrationData) error {
	db.calls = append(db.calls, "CreateUser "+user.Email)
	return db.createErr
}

func isValidEmail(email string) bool {
	at := strings.IndexByte(email, '@')
	return at > 0 && at == strings.LastIndexByte(email, '@') && strings.Contains(email[at:], ".")
}

// ProcessUserRegistration takes the database as a parameter. Doc: it is a
// package-level service in the document.
func ProcessUserRegistration(ctx context.Context, database *registrationDB, user docUserRegistrationData) error {
	workflow := signals.NewSync[docUserRegistrationData]()

	// Layer 1: Input validation
	workflow.AddListenerWithErr(func(ctx context.Context, user docUserRegistrationData) error {
		if user.Email == "" {
			return docValidationError{Field: "email", Message: "required", Code: "REQUIRED"}
		}
		if !isValidEmail(user.Email) {
			return docValidationError{Field: "email", Message: "invalid format", Code: "INVALID_FORMAT"}
		}
		return nil
	}, "input-validation")

	// Layer 2: Business logic validation
	workflow.AddListenerWithErr(func(ctx context.Context, user docUserRegistrationData) error {
		exists, err := database.UserExists(ctx, user.Email)
		if err != nil {
			return docSystemError{Service: "database", Cause: err}
		}
		if exists {
			return docBusinessLogicError{
				Operation: "user_registration",
				Reason:    "email already registered",
				Retryable: false,
			}
		}
		return nil
	}, "business-validation")

	// Layer 3: System operations
	workflow.AddListenerWithErr(func(ctx context.Context, user docUserRegistrationData) error {
		if err := database.CreateUser(ctx, user); err != nil {
			return docSystemError{Service: "database", Cause: err}
		}
		return nil
	}, "user-creation")

	// Execute with comprehensive error handling
	if err := workflow.TryEmit(ctx, user); err != nil {
		return handleRegistrationError(err)
	}

	return nil
}

func handleRegistrationError(err error) error {
	var validationErr docValidationError
	var businessErr docBusinessLogicError
	var systemErr docSystemError

	switch {
	case errors.As(err, &validationErr):
		// Client error - return as-is for API response
		return fmt.Errorf("invalid input: %w", err)

	case errors.As(err, &businessErr):
		if businessErr.Retryable {
			// Log for retry mechanism
			docLog.Warn("Retryable business error", "error", err)
			return fmt.Errorf("temporary failure: %w", err)
		}
		return fmt.Errorf("business rule violation: %w", err)

	case errors.As(err, &systemErr):
		// Log for alerting
		docLog.Error("System error during registration", "service", systemErr.Service, "error", err)
		return fmt.Errorf("internal system error")

	case errors.Is(err, context.DeadlineExceeded):
		docLog.Warn("Registration timeout", "error", err)
		return fmt.Errorf("registration timeout - please try again")

	case errors.Is(err, context.Canceled):
		docLog.Info("Registration cancelled", "error", err)
		return fmt.Errorf("registration cancelled")

	default:
		docLog.Error("Unexpected registration error", "error", err)
		return fmt.Errorf("unexpected error during registration")
	}
}

func TestConceptLayeredErrorHandling(t *testing.T) {
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	errConn := errors.New("connection refused")

	tests := []struct {
		name      string
		ctx       context.Context // nil: Background
		email     string
		db        registrationDB
		cancelAt  string // "exists": cancel the context inside UserExists
		wantErr   string // "" for success
		wantCalls []string
	}{
		{name: "success", email: "ada@example.com",
			wantCalls: []string{"UserExists ada@example.com", "CreateUser ada@example.com"}},
		{name: "missing email", email: "",
			wantErr: `invalid input: signals: listener "input-validation": validation failed for email: required (REQUIRED)`},
		{name: "malformed email", email: "ada.example.com",
			wantErr: `invalid input: signals: listener "input-validation": validation failed for email: invalid format (INVALID_FORMAT)`},
		{name: "email taken", email: "ada@example.com", db: registrationDB{existing: map[string]bool{"ada@example.com": true}},
			wantErr:   `business rule violation: signals: listener "business-validation": business logic error in user_registration: email already registered`,
			wantCalls: []string{"UserExists ada@example.com"}},
		{name: "lookup fails", email: "ada@example.com", db: registrationDB{existsErr: errConn},
			wantErr: "internal system error", wantCalls: []string{"UserExists ada@example.com"}},
		{name: "insert fails", email: "ada@example.com", db: registrationDB{createErr: errConn},
			wantErr:   "internal system error",
			wantCalls: []string{"UserExists ada@example.com", "CreateUser ada@example.com"}},
		{name: "deadline already passed", ctx: expired, email: "ada@example.com",
			wantErr: "registration timeout - please try again"},
		{name: "cancelled between layers", email: "ada@example.com", cancelAt: "exists",
			wantErr: "registration cancelled", wantCalls: []string{"UserExists ada@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			db := tt.db
			if tt.cancelAt == "exists" {
				db.onExists = cancel // TryEmit checks ctx before the next layer
			}
			err := ProcessUserRegistration(ctx, &db, docUserRegistrationData{Email: tt.email, Password: "secret"})
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("ProcessUserRegistration = %v, want nil", err)
				}
			} else {
				wantError(t, err, tt.wantErr)
			}
			wantEqual(t, "database calls", db.calls, tt.wantCalls)
		})
	}

	t.Run("errors.As reaches the layer's error through the listener key", func(t *testing.T) {
		err := ProcessUserRegistration(context.Background(), &registrationDB{}, docUserRegistrationData{})
		var validationErr docValidationError
		if !errors.As(err, &validationErr) || validationErr.Code != "REQUIRED" {
			t.Errorf("errors.As(%v) = %+v, want code REQUIRED", err, validationErr)
		}
	})

	// The document's own workflow never returns a retryable or an unknown
	// error; these calls cover the remaining branches.
	t.Run("retryable business error", func(t *testing.T) {
		err := handleRegistrationError(&signals.ListenerError{Key: "business-validation",
			Err: docBusinessLogicError{Operation: "user_registration", Reason: "quota service busy", Retryable: true}})
		wantError(t, err, `temporary failure: signals: listener "business-validation": `+
			`business logic error in user_registration: quota service busy`)
	})
	t.Run("unexpected error", func(t *testing.T) {
		wantError(t, handleRegistrationError(&signals.PanicError{Key: "user-creation", Value: "boom"}),
			"unexpected error during registration")
	})
}

// ---------------------------------------------------------------------------
// Section "Best Practices & Guidelines" / "Error Handling Best Practices" /
// "3. Context-Aware Error Handling"
// ---------------------------------------------------------------------------

type docProcessingData struct{ ID string }

// deadlineProcessor holds the document's ProcessWithDeadlines with its step
// timeouts, which tests shorten to zero to expire one step's context
// without waiting, and fakes of its three steps that record their calls.
type deadlineProcessor struct {
	validation, business, persistence time.Duration
	calls                             []string
	deadlines                         map[string]time.Time // the ctx each step got
}

func newDeadlineProcessor() *deadlineProcessor {
	// The document's timeouts.
	return &deadlineProcessor{validation: 2 * time.Second, business: 5 * time.Second,
		persistence: 10 * time.Second, deadlines: map[string]time.Time{}}
}

func (p *deadlineProcessor) fastValidation(data docProcessingData) error {
	p.calls = append(p.calls, "fastValidation")
	return nil
}

func (p *deadlineProcessor) businessLogic(ctx context.Context, data docProcessingData) error {
	p.calls = append(p.calls, "businessLogic")
	p.deadlines["businessLogic"], _ = ctx.Deadline()
	return nil
}

func (p *deadlineProcessor) saveData(ctx context.Context, data docProcessingData) error {
	p.calls = append(p.calls, "saveData")
	p.deadlines["saveData"], _ = ctx.Deadline()
	return nil
}

// Timeout and cancellation patterns
func (p *deadlineProcessor) ProcessWithDeadlines(ctx context.Context, data docProcessingData) error {
	// Set different timeouts for different operations
	validationCtx, validationCancel := context.WithTimeout(ctx, p.validation)
	defer validationCancel()

	businessCtx, businessCancel := context.WithTimeout(ctx, p.business)
	defer businessCancel()

	persistenceCtx, persistenceCancel := context.WithTimeout(ctx, p.persistence)
	defer persistenceCancel()

	workflow := signals.NewSync[docProcessingData]()

	workflow.AddListenerWithErr(func(ctx context.Context, data docProcessingData) error {
		// Fast validation with short timeout
		select {
		case <-validationCtx.Done():
			return fmt.Errorf("validation timeout: %w", validationCtx.Err())
		default:
		}
		return p.fastValidation(data)
	}, "fast-validation")

	workflow.AddListenerWithErr(func(ctx context.Context, data docProcessingData) error {
		// Business logic with medium timeout
		select {
		case <-businessCtx.Done():
			return fmt.Errorf("business logic timeout: %w", businessCtx.Err())
		default:
		}
		return p.businessLogic(businessCtx, data)
	}, "business-logic")

	workflow.AddListenerWithErr(func(ctx context.Context, data docProcessingData) error {
		// Persistence with longer timeout
		select {
		case <-persistenceCtx.Done():
			return fmt.Errorf("persistence timeout: %w", persistenceCtx.Err())
		default:
		}
		return p.saveData(persistenceCtx, data)
	}, "persistence")

	return workflow.TryEmit(ctx, data)
}

func TestConceptProcessWithDeadlines(t *testing.T) {
	ctx := context.Background()
	data := docProcessingData{ID: "job-1"}

	t.Run("each step gets its own deadline", func(t *testing.T) {
		p := newDeadlineProcessor()
		start := time.Now()
		if err := p.ProcessWithDeadlines(ctx, data); err != nil {
			t.Fatal(err)
		}
		end := time.Now()
		wantEqual(t, "steps", p.calls, []string{"fastValidation", "businessLogic", "saveData"})
		wantDeadline(t, "businessLogic's context", p.deadlines["businessLogic"], start, end, 5*time.Second)
		wantDeadline(t, "saveData's context", p.deadlines["saveData"], start, end, 10*time.Second)
	})

	for _, tt := range []struct {
		expired   string // the step whose timeout is zero
		wantErr   string
		wantCalls []string
	}{
		{"validation", `signals: listener "fast-validation": validation timeout: context deadline exceeded`, nil},
		{"business", `signals: listener "business-logic": business logic timeout: context deadline exceeded`,
			[]string{"fastValidation"}},
		{"persistence", `signals: listener "persistence": persistence timeout: context deadline exceeded`,
			[]string{"fastValidation", "businessLogic"}},
	} {
		t.Run("expired "+tt.expired+" context stops the workflow", func(t *testing.T) {
			p := newDeadlineProcessor()
			switch tt.expired {
			case "validation":
				p.validation = 0
			case "business":
				p.business = 0
			case "persistence":
				p.persistence = 0
			}
			err := p.ProcessWithDeadlines(ctx, data)
			wantError(t, err, tt.wantErr)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false", err)
			}
			wantEqual(t, "steps run", p.calls, tt.wantCalls)
		})
	}

	t.Run("an expired parent context stops TryEmit before any step", func(t *testing.T) {
		p := newDeadlineProcessor()
		expired, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		defer cancel()
		// TryEmit returns the context's own error, without a step's prefix.
		if err := p.ProcessWithDeadlines(expired, data); err != context.DeadlineExceeded {
			t.Errorf("ProcessWithDeadlines = %v, want context.DeadlineExceeded", err)
		}
		wantEqual(t, "steps run", p.calls, nil)
	})
}

// ---------------------------------------------------------------------------
// Section "Performance Optimization Patterns" /
// "1. Signal Pre-allocation Strategy", with "Performance Guidelines" /
// "Capacity Planning"
// ---------------------------------------------------------------------------

type docSecurityEvent struct{ Kind string }

type EventSystem struct {
	RequestEvents  signals.Signal[docRequestEvent]
	UserEvents     signals.Signal[docUserEvent]
	SecurityEvents signals.Signal[docSecurityEvent]
}

// ✅ Pre-allocate based on expected listener count
func NewOptimizedEventSystem() *EventSystem {
	return &EventSystem{
		// High-frequency events - pre-allocate generously
		RequestEvents: signals.NewWithOptions[docRequestEvent](&signals.SignalOptions{
			InitialCapacity: 50, // Many middleware listeners expected
		}),

		// Low-frequency events - use defaults
		UserEvents: signals.New[docUserEvent](),

		// Critical events - optimize for performance
		SecurityEvents: signals.NewWithOptions[docSecurityEvent](&signals.SignalOptions{
			InitialCapacity: 20,
			GrowthFunc: func(cap int) int {
				return cap * 2 // Aggressive growth for critical events
			},
		}),
	}
}

func TestConceptPreAllocation(t *testing.T) {
	ctx := context.Background()

	t.Run("the optimized event system delivers to all its listeners", func(t *testing.T) {
		sys := NewOptimizedEventSystem()
		var requests, users, security atomic.Int32
		for range 60 {
			sys.RequestEvents.AddListener(func(context.Context, docRequestEvent) { requests.Add(1) })
		}
		for range 3 {
			sys.UserEvents.AddListener(func(context.Context, docUserEvent) { users.Add(1) })
		}
		for range 45 {
			sys.SecurityEvents.AddListener(func(context.Context, docSecurityEvent) { security.Add(1) })
		}
		sys.RequestEvents.Emit(ctx, docRequestEvent{RequestID: "req-1"})
		sys.UserEvents.Emit(ctx, docUserEvent{ID: "u-1"})
		sys.SecurityEvents.Emit(ctx, docSecurityEvent{Kind: "login-failed"})
		drain(t, sys.RequestEvents)
		drain(t, sys.UserEvents)
		drain(t, sys.SecurityEvents)
		wantEqual(t, "deliveries", [3]int32{requests.Load(), users.Load(), security.Load()}, [3]int32{60, 3, 45})
	})

	// The store calls GrowthFunc with its current capacity each time it is
	// full, so a GrowthFunc that records its argument shows when the
	// capacity set by InitialCapacity (or the default 11) runs out.
	growthAfter := func(opts signals.SignalOptions, listeners int) []int {
		var grownFrom []int
		growth := opts.GrowthFunc
		opts.GrowthFunc = func(cap int) int {
			grownFrom = append(grownFrom, cap)
			if growth == nil {
				return 0 // not above cap: the store doubles
			}
			return growth(cap)
		}
		sig := signals.NewWithOptions[docSecurityEvent](&opts)
		for range listeners {
			sig.AddListener(func(context.Context, docSecurityEvent) {})
		}
		return grownFrom
	}
	doubling := func(cap int) int { return cap * 2 } // the document's GrowthFunc

	for _, tt := range []struct {
		name      string
		opts      signals.SignalOptions
		listeners int
		want      []int
	}{
		{"InitialCapacity 50 holds 50 listeners", signals.SignalOptions{InitialCapacity: 50}, 50, nil},
		{"the 51st listener grows it", signals.SignalOptions{InitialCapacity: 50}, 51, []int{50}},
		{"InitialCapacity 20 holds 20 listeners", signals.SignalOptions{InitialCapacity: 20, GrowthFunc: doubling}, 20, nil},
		{"doubling: 20, then 40", signals.SignalOptions{InitialCapacity: 20, GrowthFunc: doubling}, 41, []int{20, 40}},
		{"the default capacity is 11", signals.SignalOptions{}, 12, []int{11}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantEqual(t, "GrowthFunc called with", growthAfter(tt.opts, tt.listeners), tt.want)
		})
	}
}

// ---------------------------------------------------------------------------
// Section "Performance Optimization Patterns" / "2. Context Reuse Patterns"
// ---------------------------------------------------------------------------

type docRequest struct {
	UserID string
	Action string
}

type docCriticalRequest struct{ ID string }

type RequestProcessor struct {
	backgroundCtx context.Context // Long-lived context
	userEvents    signals.Signal[docUserEvent]

	// Doc: the document's ProcessCriticalRequest uses rp.criticalWorkflow,
	// but its RequestProcessor has no such field; it is added here.
	criticalWorkflow *signals.SyncSignal[docCriticalRequest]
}

func (rp *RequestProcessor) ProcessRequests(requests []docRequest) {
	// Reuse background context for non-critical events
	for _, req := range requests {
		go rp.userEvents.Emit(rp.backgroundCtx, docUserEvent{
			UserID:    req.UserID,
			Action:    req.Action,
			Timestamp: time.Now(),
		})
	}
}

// ✅ Context per operation for timeout-sensitive operations
func (rp *RequestProcessor) ProcessCriticalRequest(req docCriticalRequest) error {
	// Create specific context with timeout
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	return rp.criticalWorkflow.TryEmit(ctx, req)
}

type scopeKey struct{}

func TestConceptContextReuse(t *testing.T) {
	rp := &RequestProcessor{
		backgroundCtx:    context.WithValue(context.Background(), scopeKey{}, "background"),
		userEvents:       signals.New[docUserEvent](),
		criticalWorkflow: signals.NewSync[docCriticalRequest](),
	}

	seen := make(chan string, 8)
	rp.userEvents.AddListener(func(ctx context.Context, e docUserEvent) {
		seen <- fmt.Sprintf("%s %s ctx=%v", e.UserID, e.Action, ctx.Value(scopeKey{}))
	})
	rp.ProcessRequests([]docRequest{{UserID: "u-1", Action: "login"}, {UserID: "u-2", Action: "logout"}})
	got := []string{recvWithin(t, seen), recvWithin(t, seen)}
	sort.Strings(got)
	wantEqual(t, "events on the reused context", got,
		[]string{"u-1 login ctx=background", "u-2 logout ctx=background"})

	var stepCtx context.Context
	errRejected := errors.New("rejected")
	rp.criticalWorkflow.AddListenerWithErr(func(ctx context.Context, req docCriticalRequest) error {
		stepCtx = ctx
		if req.ID == "bad" {
			return errRejected
		}
		return nil
	})
	start := time.Now()
	if err := rp.ProcessCriticalRequest(docCriticalRequest{ID: "c-1"}); err != nil {
		t.Fatal(err)
	}
	deadline, _ := stepCtx.Deadline()
	wantDeadline(t, "critical step's context", deadline, start, time.Now(), 30*time.Second)
	if stepCtx.Err() != context.Canceled {
		t.Errorf("per-operation context after return: %v, want context.Canceled", stepCtx.Err())
	}
	if err := rp.ProcessCriticalRequest(docCriticalRequest{ID: "bad"}); err != errRejected {
		t.Errorf("ProcessCriticalRequest = %v, want %v", err, errRejected)
	}
}

// ---------------------------------------------------------------------------
// Section "Performance Optimization Patterns" / "3. Listener Management
// Patterns"
// ---------------------------------------------------------------------------

// ✅ Dynamic listener management. The document shows no constructor;
// features must be a made map, since EnableFeature writes to it.
type FeatureManager struct {
	userEvents signals.Signal[docUserEvent]
	features   map[string]bool
	mu         sync.RWMutex
}

func (fm *FeatureManager) EnableFeature(name string, handler signals.SignalListener[docUserEvent]) {
	fm.mu.Lock()
	defer fm.mu.Unlock()

	if fm.features[name] {
		return // Already enabled
	}

	fm.userEvents.AddListener(handler, name)
	fm.features[name] = true
}

func (fm *FeatureManager) DisableFeature(name string) {
	fm.mu.Lock()
	defer fm.mu.Unlock()

	if !fm.features[name] {
		return // Already disabled
	}

	fm.userEvents.RemoveListener(name)
	fm.features[name] = false
}

func TestConceptFeatureManager(t *testing.T) {
	ctx := context.Background()
	fm := &FeatureManager{userEvents: signals.New[docUserEvent](), features: map[string]bool{}}
	var calls callLog
	handler := func(name string) signals.SignalListener[docUserEvent] {
		return func(ctx context.Context, u docUserEvent) { calls.add("%s %s", name, u.ID) }
	}
	emit := func(id string) []string {
		fm.userEvents.Emit(ctx, docUserEvent{ID: id})
		drain(t, fm.userEvents)
		return calls.takeSorted()
	}

	fm.EnableFeature("welcome-bonus", handler("welcome-bonus"))
	fm.EnableFeature("welcome-bonus", handler("welcome-bonus v2")) // already enabled: no-op
	fm.EnableFeature("audit-trail", handler("audit-trail"))
	wantEqual(t, "keys", fm.userEvents.Keys(), []string{"welcome-bonus", "audit-trail"})
	wantEqual(t, "calls", emit("u-1"), []string{"audit-trail u-1", "welcome-bonus u-1"})

	fm.DisableFeature("welcome-bonus")
	if fm.userEvents.HasKey("welcome-bonus") || fm.userEvents.Len() != 1 {
		t.Errorf("after DisableFeature: keys %q, want [audit-trail]", fm.userEvents.Keys())
	}
	wantEqual(t, "calls after disabling", emit("u-2"), []string{"audit-trail u-2"})

	fm.DisableFeature("welcome-bonus") // already disabled: no-op
	fm.EnableFeature("welcome-bonus", handler("welcome-bonus v2"))
	wantEqual(t, "calls after enabling again", emit("u-3"), []string{"audit-trail u-3", "welcome-bonus v2 u-3"})
}

func Example_featureManager() {
	ctx := context.Background()
	// FeatureManager takes any signals.Signal; a SyncSignal keeps the
	// printed order stable.
	fm := &FeatureManager{userEvents: signals.NewSync[docUserEvent](), features: map[string]bool{}}

	fm.EnableFeature("welcome-bonus", func(ctx context.Context, u docUserEvent) {
		fmt.Println("welcome-bonus: credit", u.ID)
	})
	fm.EnableFeature("welcome-bonus", func(ctx context.Context, u docUserEvent) {
		fmt.Println("never called: the feature is already enabled")
	})
	fm.EnableFeature("audit-trail", func(ctx context.Context, u docUserEvent) {
		fmt.Println("audit-trail:", u.Action, u.ID)
	})
	fm.userEvents.Emit(ctx, docUserEvent{ID: "u-1", Action: "signup"})

	fm.DisableFeature("welcome-bonus")
	fm.userEvents.Emit(ctx, docUserEvent{ID: "u-2", Action: "signup"})
	fmt.Println("listeners:", fm.userEvents.Keys())
	// Output:
	// welcome-bonus: credit u-1
	// audit-trail: signup u-1
	// audit-trail: signup u-2
	// listeners: [audit-trail]
}

// ---------------------------------------------------------------------------
// Section "Monitoring and Observability" / "1. Event Metrics Collection"
// ---------------------------------------------------------------------------

// Instrumented signal wrapper for monitoring. Doc: prometheus.Counter and
// prometheus.Histogram are the in-test metrics of "Observability &
// Monitoring" above.
type InstrumentedSignal[T any] struct {
	signal      signals.Signal[T]
	emitCounter *testCounter
	errorRate   *testCounter
	latencyHist *testHistogram
	name        string
}

func NewInstrumentedSignal[T any](name string) *InstrumentedSignal[T] {
	return &InstrumentedSignal[T]{
		signal:      signals.New[T](),
		name:        name,
		emitCounter: newTestCounter(fmt.Sprintf("%s_events_total", name), "Total number of events emitted"),
		errorRate:   newTestCounter(fmt.Sprintf("%s_errors_total", name), "Total number of event processing errors"),
		latencyHist: newTestHistogram(fmt.Sprintf("%s_processing_duration_seconds", name),
			"Event processing duration in seconds"),
	}
}

func (is *InstrumentedSignal[T]) EmitWithMetrics(ctx context.Context, data T) {
	start := time.Now()
	defer func() {
		duration := time.Since(start)
		is.emitCounter.Inc()
		is.latencyHist.Observe(duration.Seconds())
	}()

	is.signal.Emit(ctx, data)
}

func TestConceptInstrumentedSignal(t *testing.T) {
	ctx := context.Background()
	is := NewInstrumentedSignal[docOrderEvent]("orders")
	var delivered atomic.Int32
	is.signal.AddListener(func(ctx context.Context, e docOrderEvent) { delivered.Add(1) })

	for i := range 3 {
		is.EmitWithMetrics(ctx, docOrderEvent{ID: fmt.Sprint("order-", i)})
	}
	drain(t, is.signal)

	wantEqual(t, "metric names", []string{is.emitCounter.name, is.errorRate.name, is.latencyHist.name},
		[]string{"orders_events_total", "orders_errors_total", "orders_processing_duration_seconds"})
	// On an AsyncSignal, Emit returns before the listeners run: the histogram
	// times the emit, not the processing its name suggests, and nothing in
	// the document's wrapper ever counts an error.
	wantEqual(t, "deliveries, emits, latency samples, errors",
		[4]int64{int64(delivered.Load()), is.emitCounter.Value(), int64(is.latencyHist.Count()), is.errorRate.Value()},
		[4]int64{3, 3, 3, 0})
}

// ---------------------------------------------------------------------------
// Section "Monitoring and Observability" / "2. Error Tracking and Alerting"
// ---------------------------------------------------------------------------

type ErrorRecord struct {
	Signal    string
	Data      interface{}
	Error     string
	Timestamp time.Time
	Context   map[string]string
}

type AlertInfo struct {
	Level   string
	Message string
	Context map[string]string
}

type ErrorStore interface{ Record(ErrorRecord) }

type Alerter interface{ SendAlert(AlertInfo) }

// Error tracking wrapper
type ErrorTrackingSignal[T any] struct {
	signal     signals.SyncSignal[T] // a value: the zero SyncSignal is ready to use
	errorStore ErrorStore
	alerter    Alerter

	// Doc: TryEmitWithTracking uses ets.name, which the document's struct
	// does not declare; it is added here.
	name string
}

func (ets *ErrorTrackingSignal[T]) TryEmitWithTracking(ctx context.Context, data T) error {
	err := ets.signal.TryEmit(ctx, data)
	if err != nil {
		// Track error for analysis
		ets.errorStore.Record(ErrorRecord{
			Signal:    ets.name,
			Data:      data,
			Error:     err.Error(),
			Timestamp: time.Now(),
			Context:   getContextInfo(ctx),
		})

		// Alert on critical errors
		if isCriticalError(err) {
			ets.alerter.SendAlert(AlertInfo{
				Level:   "critical",
				Message: fmt.Sprintf("Critical error in signal %s: %v", ets.name, err),
				Context: getContextInfo(ctx),
			})
		}
	}
	return err
}

var errLedgerDown = errors.New("ledger unavailable")

// isCriticalError and getContextInfo are not shown in the document.
func isCriticalError(err error) bool { return errors.Is(err, errLedgerDown) }

func getContextInfo(ctx context.Context) map[string]string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return map[string]string{"request_id": id}
}

type memErrorStore struct{ records []ErrorRecord }

func (s *memErrorStore) Record(r ErrorRecord) { s.records = append(s.records, r) }

type memAlerter struct{ alerts []AlertInfo }

func (a *memAlerter) SendAlert(info AlertInfo) { a.alerts = append(a.alerts, info) }

func TestConceptErrorTrackingSignal(t *testing.T) {
	ctx := context.WithValue(context.Background(), requestIDKey{}, "req-9")
	store, alerter := &memErrorStore{}, &memAlerter{}
	ets := &ErrorTrackingSignal[docPaymentData]{name: "payments", errorStore: store, alerter: alerter}
	errCardRefused := errors.New("card refused")
	ets.signal.AddListenerWithErr(func(ctx context.Context, p docPaymentData) error {
		switch p.ID {
		case "refused":
			return errCardRefused
		case "ledger":
			return errLedgerDown
		}
		return nil
	}, "charge")

	if err := ets.TryEmitWithTracking(ctx, docPaymentData{ID: "ok"}); err != nil {
		t.Fatal(err)
	}
	if len(store.records)+len(alerter.alerts) != 0 {
		t.Fatalf("a success was tracked: %+v %+v", store.records, alerter.alerts)
	}

	err := ets.TryEmitWithTracking(ctx, docPaymentData{ID: "refused"})
	if !errors.Is(err, errCardRefused) {
		t.Fatalf("TryEmitWithTracking = %v, want %v", err, errCardRefused)
	}
	if len(store.records) != 1 || len(alerter.alerts) != 0 {
		t.Fatalf("after a non-critical error: %d records, %d alerts; want 1, 0", len(store.records), len(alerter.alerts))
	}
	r := store.records[0]
	wantEqual(t, "error record", []any{r.Signal, r.Data, r.Error, r.Context}, []any{
		"payments", docPaymentData{ID: "refused"}, `signals: listener "charge": card refused`,
		map[string]string{"request_id": "req-9"},
	})

	if err := ets.TryEmitWithTracking(ctx, docPaymentData{ID: "ledger"}); !errors.Is(err, errLedgerDown) {
		t.Fatalf("TryEmitWithTracking = %v, want %v", err, errLedgerDown)
	}
	if len(store.records) != 2 || len(alerter.alerts) != 1 {
		t.Fatalf("after a critical error: %d records, %d alerts; want 2, 1", len(store.records), len(alerter.alerts))
	}
	wantEqual(t, "alert", alerter.alerts[0], AlertInfo{
		Level:   "critical",
		Message: `Critical error in signal payments: signals: listener "charge": ledger unavailable`,
		Context: map[string]string{"request_id": "req-9"},
	})
}

// ---------------------------------------------------------------------------
// Section "Common Pitfalls and How to Avoid Them": "Don't Do This" and
// "Do This Instead"
// ---------------------------------------------------------------------------

type docLogEvent struct{ Message string }

type docData struct{ Items []int }

func TestConceptPitfalls(t *testing.T) {
	ctx := context.Background()

	t.Run("a sync signal blocks the emitter; an async one does not", func(t *testing.T) {
		logEvent := docLogEvent{Message: "user logged in"}
		var written atomic.Bool
		syncSignal := signals.NewSync[docLogEvent]()
		syncSignal.AddListener(func(ctx context.Context, e docLogEvent) { written.Store(true) })
		syncSignal.Emit(ctx, logEvent) // ❌ Blocks unnecessarily: the listener runs before Emit returns
		if !written.Load() {
			t.Error("SyncSignal.Emit returned before its listener ran")
		}

		hold, release := holdListeners(t)
		written.Store(false)
		asyncSignal := signals.New[docLogEvent]()
		asyncSignal.AddListener(func(ctx context.Context, e docLogEvent) { <-hold; written.Store(true) })
		asyncSignal.Emit(ctx, logEvent) // ✅ Non-blocking: returns while the listener waits
		if written.Load() {
			t.Error("AsyncSignal.Emit waited for its listener")
		}
		release()
		drain(t, asyncSignal)
		if !written.Load() {
			t.Error("the async listener did not run")
		}
	})

	t.Run("TryEmit errors are returned to be handled", func(t *testing.T) {
		errInvalid := errors.New("amount must be positive")
		syncSignal := signals.NewSync[docPaymentData]()
		syncSignal.AddListenerWithErr(func(ctx context.Context, p docPaymentData) error {
			if p.Amount <= 0 {
				return errInvalid
			}
			return nil
		})
		var handled []error
		handleError := func(err error) error { handled = append(handled, err); return err }
		run := func(criticalData docPaymentData) error {
			// ✅ Right: Always handle TryEmit errors
			if err := syncSignal.TryEmit(ctx, criticalData); err != nil {
				docLog.Error("Critical operation failed", "error", err)
				return handleError(err)
			}
			return nil
		}
		if err := run(docPaymentData{ID: "pay-1", Amount: -5}); err != errInvalid {
			t.Errorf("run = %v, want %v", err, errInvalid)
		}
		wantEqual(t, "handled errors", handled, []error{errInvalid})
	})

	t.Run("a signal created per request has no listeners", func(t *testing.T) {
		// ✅ Right: Create signals at package/service level (a variable that
		// outlives the handlers here)
		RequestSignal := signals.New[docRequestEvent]()
		var logged atomic.Int32
		RequestSignal.AddListener(func(ctx context.Context, e docRequestEvent) { logged.Add(1) })

		var perRequestListeners []int
		wrongHandler := func(w http.ResponseWriter, r *http.Request) {
			// ❌ Wrong: Creates new signal every request! Nobody listens to it.
			sig := signals.New[docRequestEvent]()
			perRequestListeners = append(perRequestListeners, sig.Len())
			sig.Emit(r.Context(), docRequestEvent{Path: r.URL.Path})
		}
		handleRequest := func(w http.ResponseWriter, r *http.Request) {
			requestEvent := docRequestEvent{Path: r.URL.Path}
			RequestSignal.Emit(r.Context(), requestEvent) // Reuse existing signal
		}
		for range 3 {
			wrongHandler(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
			handleRequest(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		}
		drain(t, RequestSignal)
		wantEqual(t, "listeners of the per-request signals", perRequestListeners, []int{0, 0, 0})
		if n := logged.Load(); n != 3 {
			t.Errorf("shared signal delivered %d events, want 3", n)
		}
	})

	t.Run("a listener that respects cancellation stops early", func(t *testing.T) {
		data := docData{Items: make([]int, 1000)}
		for i := range data.Items {
			data.Items[i] = i
		}
		// processItem cancels the context after the 10th item, as a caller
		// that gives up would.
		run := func(listener func(processItem func(int)) signals.SignalListener[docData]) int {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var processed atomic.Int32
			processItem := func(item int) {
				if processed.Add(1) == 10 {
					cancel()
				}
			}
			signal := signals.New[docData]()
			signal.AddListener(listener(processItem))
			signal.Emit(ctx, data)
			drain(t, signal)
			return int(processed.Load())
		}

		ignoring := run(func(processItem func(int)) signals.SignalListener[docData] {
			// ❌ Wrong: Not handling context cancellation. The document's loop
			// runs to 1000000 and indexes data.Items[i], which panics past
			// the last item; this one stops at the last item.
			return func(ctx context.Context, data docData) {
				for i := 0; i < len(data.Items); i++ {
					processItem(data.Items[i]) // Ignores cancellation
				}
			}
		})
		respecting := run(func(processItem func(int)) signals.SignalListener[docData] {
			// ✅ Right: Respect context cancellation
			return func(ctx context.Context, data docData) {
				for _, item := range data.Items {
					select {
					case <-ctx.Done():
						return // Respect cancellation
					default:
					}
					processItem(item)
				}
			}
		})
		wantEqual(t, "items processed (ignoring, respecting cancellation)", [2]int{ignoring, respecting}, [2]int{1000, 10})
	})

	t.Run("an ignored TryEmit error stops the later listeners silently", func(t *testing.T) {
		syncSignal := signals.NewSync[docPaymentData]()
		syncSignal.AddListenerWithErr(func(ctx context.Context, p docPaymentData) error {
			return errors.New("amount must be positive")
		})
		var recorded bool
		syncSignal.AddListener(func(ctx context.Context, p docPaymentData) { recorded = true })
		criticalData := docPaymentData{ID: "pay-2", Amount: -5}
		syncSignal.TryEmit(ctx, criticalData) // ❌ Silent failures!
		if recorded {
			t.Error("the listener after the failing one ran")
		}
	})

	t.Run("unkeyed listeners accumulate and cannot be removed one by one", func(t *testing.T) {
		signal := signals.New[docData]()
		createHandler := func(i int) signals.SignalListener[docData] {
			return func(ctx context.Context, d docData) {}
		}
		// ❌ Wrong: Memory leak with listeners
		for i := 0; i < 1000; i++ {
			signal.AddListener(createHandler(i)) // Accumulates without cleanup
		}
		if n := signal.Len(); n != 1000 {
			t.Errorf("Len() = %d, want 1000", n)
		}
		if keys := signal.Keys(); keys != nil {
			t.Errorf("Keys() = %v, want none: no key removes them", keys)
		}
		if n := signal.RemoveListener(""); n != -1 || signal.Len() != 1000 {
			t.Errorf(`RemoveListener("") = %d and left %d listeners, want -1 and 1000`, n, signal.Len())
		}
	})

	t.Run("keyed listeners can all be removed", func(t *testing.T) {
		signal := signals.New[docData]()
		createHandler := func(i int) signals.SignalListener[docData] {
			return func(ctx context.Context, d docData) {}
		}
		func() {
			// ✅ Right: Use keyed listeners with cleanup
			for i := 0; i < 1000; i++ {
				key := fmt.Sprintf("handler-%d", i)
				signal.AddListener(createHandler(i), key)
			}
			defer func() {
				// Cleanup
				for i := 0; i < 1000; i++ {
					signal.RemoveListener(fmt.Sprintf("handler-%d", i))
				}
			}()
			if n := signal.Len(); n != 1000 {
				t.Errorf("Len() = %d while in use, want 1000", n)
			}
			if keys := signal.Keys(); len(keys) != 1000 || keys[999] != "handler-999" {
				t.Errorf("Keys() has %d keys, want handler-0 to handler-999", len(keys))
			}
		}()
		if n := signal.Len(); n != 0 || !signal.IsEmpty() || signal.Keys() != nil {
			t.Errorf("after cleanup: Len() = %d, keys %d; want 0, none", n, len(signal.Keys()))
		}
	})
}
