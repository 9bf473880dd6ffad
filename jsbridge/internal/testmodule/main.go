//go:build js && wasm

// Command testmodule is the Go program that web/test/bridge.test.js loads to
// test the bridge from JavaScript: it exports Go signals of several payload
// types and listens to JavaScript signals.
package main

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"time"

	"github.com/edgesignals/edgesignals/jsbridge"
	"github.com/edgesignals/edgesignals/signals"
)

func main() {
	// "go.sum" adds up the numbers emitted on it; "go.total" reports the sum.
	var sum float64
	total := signals.NewSync[float64]()
	numbers := signals.NewSync[float64]()
	numbers.AddListener(func(ctx context.Context, n float64) {
		sum += n
		total.Emit(ctx, sum)
	}, "adder")
	jsbridge.Export("go.sum", numbers)
	jsbridge.Export("go.total", total)

	// "go.strict" takes whole numbers and fails on negative ones.
	strict := signals.NewSync[int]()
	strict.AddListenerWithErr(func(_ context.Context, n int) error {
		if n < 0 {
			return errors.New("negative: " + strconv.Itoa(n))
		}
		return nil
	}, "non-negative")
	strict.AddListener(func(_ context.Context, n int) {
		if n == 13 {
			panic("unlucky")
		}
	}, "superstitious")
	jsbridge.Export("go.strict", strict)

	// "go.async" is an AsyncSignal with no Go listeners of its own.
	jsbridge.Export("go.async", signals.New[map[string]any]())

	// "go.echo" hands every payload, as Go received it, on to "go.echoed":
	// a round trip through both conversions.
	echoed := signals.NewSync[any]()
	echo := signals.NewSync[any]()
	echo.AddListener(func(ctx context.Context, v any) { echoed.Emit(ctx, v) }, "echo")
	jsbridge.Export("go.echo", echo)
	jsbridge.Export("go.echoed", echoed)

	// "go.gc" runs a full garbage collection, so that tests can count the
	// JavaScript values Go still holds.
	gc := signals.NewSync[any]()
	gc.AddListener(func(context.Context, any) { runtime.GC() }, "gc")
	jsbridge.Export("go.gc", gc)

	// Go listeners of JavaScript signals: "texts" takes strings and fails on
	// "fail"; "bytes" takes Uint8Arrays and fails on empty ones.
	jsbridge.Listen("texts", func(_ context.Context, s string) error {
		if s == "fail" {
			return errors.New("told to fail")
		}
		return nil
	}, "go:texts")
	jsbridge.Listen("bytes", func(_ context.Context, b []byte) error {
		if len(b) == 0 {
			return errors.New("no bytes")
		}
		return nil
	}, "go:bytes")
	// "waits" gets a Go listener that waits, on a goroutine (ListenAsync):
	// for the milliseconds emitted, or until its context ends, which it then
	// reports on "go.cancelled". Negative numbers fail; 13 panics.
	cancelled := signals.NewSync[float64]()
	jsbridge.Export("go.cancelled", cancelled)
	jsbridge.ListenAsync("waits", func(ctx context.Context, ms float64) error {
		switch {
		case ms == 13:
			panic("unlucky wait")
		case ms < 0:
			return errors.New("cannot wait " + strconv.FormatFloat(ms, 'g', -1, 64) + " ms")
		}
		select {
		case <-time.After(time.Duration(ms * float64(time.Millisecond))):
			return nil
		case <-ctx.Done():
			cancelled.Emit(context.Background(), ms)
			return ctx.Err()
		}
	}, "go:waits")
	jsbridge.Serve()
}
