package signals_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

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
func ExampleSignalOptions() {
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
