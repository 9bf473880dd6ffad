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
