package jsbridge_test

import (
	"context"
	"errors"
	"time"

	"github.com/edgesignals/edgesignals/jsbridge"
	"github.com/edgesignals/edgesignals/signals"
)

// The main of a module that JavaScript loads with the package's load():
// JavaScript emits orders, Go validates them and counts the valid ones on a
// signal of its own. Build it with GOOS=js GOARCH=wasm go build.
func Example() {
	valid := signals.NewSync[float64]()
	var count float64
	jsbridge.Listen("orders", func(ctx context.Context, order map[string]any) error {
		if q, _ := order["quantity"].(float64); q < 1 {
			return errors.New("order: quantity must be at least 1")
		}
		count++
		valid.Emit(ctx, count)
		return nil
	}, "go:validate")
	jsbridge.Export("valid-orders", valid) // es.signal('valid-orders') in JavaScript
	jsbridge.Serve()
}

func ExampleListen_wait() {
	// A listener that waits: JavaScript's tryEmit awaits it, and cancels ctx
	// when it is aborted or times out.
	jsbridge.Listen("backups", func(ctx context.Context, name string) error {
		select {
		case <-time.After(time.Second): // stands in for a slow upload
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, "go:backup")
	jsbridge.Serve()
}

func ExampleExport() {
	// A Go signal that JavaScript finds with es.signal('prices'): JavaScript
	// adds listeners to it and emits on it, and the Go listener below runs
	// for every emit, whichever side makes it.
	prices := signals.NewSync[float64]()
	prices.AddListenerWithErr(func(_ context.Context, price float64) error {
		if price < 0 {
			return errors.New("price: must not be negative") // a GoError in JavaScript
		}
		return nil
	}, "go:check")
	jsbridge.Export("prices", prices)
	jsbridge.Serve()
}

func ExampleServe() {
	// The main of a module: register the listeners and signals first, then
	// hand the program to the bridge, which serves JavaScript until the page
	// or process ends.
	jsbridge.Listen("greetings", func(_ context.Context, name string) error {
		println("hello,", name)
		return nil
	})
	jsbridge.Serve()
}
