package signals_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/edgesignals/edgesignals/signals"
)

type Order struct {
	ID    string
	Total float64
}

var errDeclined = errors.New("card declined")

// A SyncSignal is a pipeline: TryEmit runs the steps in order and stops at the
// first failure.
func ExampleSyncSignal_TryEmit() {
	checkout := signals.NewSync[Order]()
	checkout.AddListenerWithErr(func(_ context.Context, o Order) error {
		if o.Total <= 0 {
			return fmt.Errorf("order %s: total must be positive", o.ID)
		}
		fmt.Println("validated", o.ID)
		return nil
	}, "validate")
	checkout.AddListenerWithErr(func(_ context.Context, o Order) error {
		if o.Total > 1000 {
			return errDeclined
		}
		fmt.Println("charged", o.ID)
		return nil
	}, "charge")
	checkout.AddListener(func(_ context.Context, o Order) {
		fmt.Println("recorded", o.ID)
	}, "ledger")

	fmt.Println(checkout.TryEmit(context.Background(), Order{ID: "A-1", Total: 42}))
	err := checkout.TryEmit(context.Background(), Order{ID: "A-2", Total: 5000})
	fmt.Println(err)
	fmt.Println(errors.Is(err, errDeclined))
	// Output:
	// validated A-1
	// charged A-1
	// recorded A-1
	// <nil>
	// validated A-2
	// signals: listener "charge": card declined
	// true
}

// NewSync returns a signal whose listeners run in the order they were added,
// on the goroutine that emits: when Emit returns, they all have run.
func ExampleNewSync() {
	audit := signals.NewSync[string]()
	audit.AddListener(func(_ context.Context, event string) { fmt.Println("stdout:", event) })
	audit.AddListener(func(_ context.Context, event string) { fmt.Println("file:", event) })

	audit.Emit(context.Background(), "user 7 logged in")
	fmt.Println("emitted")
	// Output:
	// stdout: user 7 logged in
	// file: user 7 logged in
	// emitted
}

// New returns a signal that runs each listener on a goroutine of its own.
func ExampleNew() {
	var sent atomic.Int32
	notify := signals.New[Order]()
	notify.AddListener(func(context.Context, Order) { sent.Add(1) }, "email")
	notify.AddListener(func(context.Context, Order) { sent.Add(1) }, "push")

	notify.Emit(context.Background(), Order{ID: "A-1"})
	_ = notify.Wait(context.Background())
	fmt.Println("notifications sent:", sent.Load())
	// Output:
	// notifications sent: 2
}

// Emit on an AsyncSignal returns before its listeners are done: here the
// listener is still waiting for release when Emit has returned.
func ExampleAsyncSignal_Emit() {
	release := make(chan struct{})
	done := make(chan string)
	uploads := signals.New[string]()
	uploads.AddListener(func(_ context.Context, name string) {
		<-release
		done <- "uploaded " + name
	})

	uploads.Emit(context.Background(), "report.pdf")
	fmt.Println("Emit returned")
	close(release)
	fmt.Println(<-done)
	// Output:
	// Emit returned
	// uploaded report.pdf
}

// Emit on an AsyncSignal returns at once; Wait drains the listeners, for
// instance before the program exits.
func ExampleAsyncSignal_Wait() {
	var sent atomic.Int32
	notify := signals.New[Order]()
	notify.AddListener(func(context.Context, Order) { sent.Add(1) }, "email")
	notify.AddListener(func(context.Context, Order) { sent.Add(1) }, "push")

	for _, id := range []string{"A-1", "A-2", "A-3"} {
		notify.Emit(context.Background(), Order{ID: id})
	}
	if err := notify.Wait(context.Background()); err != nil {
		fmt.Println(err)
	}
	fmt.Println("notifications sent:", sent.Load())
	// Output:
	// notifications sent: 6
}

// TryEmit on an AsyncSignal runs the listeners concurrently and joins their
// errors.
func ExampleAsyncSignal_TryEmit() {
	var replicas signals.AsyncSignal[string]
	replicas.AddListenerWithErr(func(context.Context, string) error { return nil }, "eu")
	replicas.AddListenerWithErr(func(context.Context, string) error { return errors.New("timeout") }, "us")

	err := replicas.TryEmit(context.Background(), "config v2")
	var le *signals.ListenerError
	if errors.As(err, &le) {
		fmt.Println("replica", le.Key, "failed:", le.Err)
	}
	// Output:
	// replica us failed: timeout
}

// Keyed listeners can be listed and removed; AddOnce listeners remove
// themselves after their first call.
func ExampleSyncSignal_AddOnce() {
	var ready signals.SyncSignal[string]
	ready.AddListener(func(_ context.Context, s string) { fmt.Println("log:", s) }, "log")
	ready.AddOnceWithKey(func(_ context.Context, s string) { fmt.Println("warm caches for", s) }, "warm-up")
	fmt.Println(ready.Keys())

	ready.Emit(context.Background(), "v1")
	ready.Emit(context.Background(), "v2")
	fmt.Println(ready.Keys())
	fmt.Println(ready.RemoveListener("log"), ready.IsEmpty())
	// Output:
	// [log warm-up]
	// log: v1
	// warm caches for v1
	// log: v2
	// [log]
	// 0 true
}

// A panicking listener does not crash the program: TryEmit returns it.
func ExamplePanicError() {
	s := signals.NewSync[int]()
	s.AddListener(func(_ context.Context, n int) { _ = 10 / n }, "divide")

	err := s.TryEmit(context.Background(), 0)
	var pe *signals.PanicError
	fmt.Println(errors.As(err, &pe), pe.Key)
	fmt.Println(err)
	// Output:
	// true divide
	// signals: listener "divide" panicked: runtime error: integer divide by zero
}

// OnError receives what nobody waits for: here, a failed fire-and-forget
// delivery.
func ExampleNewWithOptions() {
	failures := make(chan error, 1)
	audit := signals.NewWithOptions[string](&signals.SignalOptions{
		InitialCapacity: 4,
		OnError:         func(err error) { failures <- err },
	})
	audit.AddListenerWithErr(func(context.Context, string) error {
		return errors.New("disk full")
	}, "file-sink")

	audit.Emit(context.Background(), "user 7 logged in")
	fmt.Println(<-failures)
	// Output:
	// signals: listener "file-sink": disk full
}

// A key makes a listener removable and unique, and names it in errors.
func Example_keys() {
	audit := signals.NewSync[string]()
	fmt.Println(audit.AddListener(func(context.Context, string) {}, "stdout"))
	fmt.Println(audit.AddListener(func(context.Context, string) {}, "stdout")) // taken
	fmt.Println(audit.AddListener(func(context.Context, string) {}))           // unkeyed
	fmt.Println(audit.Keys(), audit.HasKey("stdout"))
	fmt.Println(audit.RemoveListener("stdout"), audit.RemoveListener("stdout"))
	// Output:
	// 1
	// -1
	// 2
	// [stdout] true
	// 1 -1
}

// CardError is a listener's own error type.
type CardError struct{ Code string }

func (e *CardError) Error() string { return "card error " + e.Code }

// errors.As and errors.Is reach a listener's own error through the
// *ListenerError that names a keyed listener.
func Example_errorsAs() {
	checkout := signals.NewSync[Order]()
	checkout.AddListenerWithErr(func(context.Context, Order) error {
		return &CardError{Code: "insufficient_funds"}
	}, "charge")

	err := checkout.TryEmit(context.Background(), Order{ID: "A-7", Total: 30})
	var card *CardError
	if errors.As(err, &card) {
		fmt.Println("declined:", card.Code)
	}
	var le *signals.ListenerError
	if errors.As(err, &le) {
		fmt.Println("failed step:", le.Key)
	}
	fmt.Println(err)

	// An unkeyed listener's error comes back as it was returned.
	var quick signals.SyncSignal[Order]
	quick.AddListenerWithErr(func(context.Context, Order) error { return errDeclined })
	fmt.Println(quick.TryEmit(context.Background(), Order{}) == errDeclined)
	// Output:
	// declined: insufficient_funds
	// failed step: charge
	// signals: listener "charge": card error insufficient_funds
	// true
}

// Emit goes on after a panicking listener and hands the panic to OnError.
func Example_panicInEmit() {
	var reported []string
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{
		OnError: func(err error) { reported = append(reported, err.Error()) },
	})
	s.AddListener(func(context.Context, int) { panic("cache unavailable") }, "cache")
	s.AddListener(func(_ context.Context, n int) { fmt.Println("stored", n) }, "store")

	s.Emit(context.Background(), 42)
	fmt.Println(reported)
	// Output:
	// stored 42
	// [signals: listener "cache" panicked: cache unavailable]
}

// Wait bounds a shutdown: it returns ctx.Err() if listeners are still running
// when ctx ends, and nil once they have all returned.
func Example_drain() {
	release := make(chan struct{})
	uploads := signals.New[string]()
	uploads.AddListener(func(context.Context, string) { <-release }, "s3")
	uploads.Emit(context.Background(), "report.pdf")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	fmt.Println(uploads.Wait(ctx)) // the upload is still running

	close(release)
	fmt.Println(uploads.Wait(context.Background()))
	// Output:
	// context deadline exceeded
	// <nil>
}

// A SyncSignal checks the context before each listener; an AsyncSignal whose
// context is already done starts nothing. Listeners get the context too.
func Example_cancellation() {
	ctx, cancel := context.WithCancel(context.Background())
	pipeline := signals.NewSync[string]()
	pipeline.AddListener(func(_ context.Context, req string) {
		fmt.Println("authenticated", req)
		cancel() // say the client went away
	}, "auth")
	pipeline.AddListener(func(_ context.Context, req string) {
		fmt.Println("handled", req)
	}, "handle")

	fmt.Println(pipeline.TryEmit(ctx, "GET /"))

	var started atomic.Int32
	notify := signals.New[string]()
	notify.AddListener(func(context.Context, string) { started.Add(1) })
	notify.Emit(ctx, "GET /")
	_ = notify.Wait(context.Background())
	fmt.Println("async listeners started:", started.Load())
	fmt.Println(notify.TryEmit(ctx, "GET /"))
	// Output:
	// authenticated GET /
	// context canceled
	// async listeners started: 0
	// context canceled
}

// Listeners may add, remove and emit on their own signal. An emit calls the
// listeners that were there when it started.
func Example_reentrancy() {
	s := signals.NewSync[int]()
	s.AddListener(func(ctx context.Context, n int) {
		fmt.Println("first sees", n)
		if n == 1 {
			s.AddListener(func(_ context.Context, n int) { fmt.Println("late sees", n) }, "late")
			s.Emit(ctx, n+1) // a nested emit, with the listener just added
		}
	}, "first")

	s.Emit(context.Background(), 1)
	fmt.Println(s.Keys())
	// Output:
	// first sees 1
	// first sees 2
	// late sees 2
	// [first late]
}
