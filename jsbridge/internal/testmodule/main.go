//go:build js && wasm

// Command testmodule is the Go program that web/test/bridge.test.js loads to
// test the bridge from JavaScript: it exports Go signals of several payload
// types and listens to JavaScript signals.
package main

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
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
	// "waits" gets a Go listener that waits: for the milliseconds emitted, or
	// until its context ends, which it then reports on "go.cancelled".
	// Negative numbers fail; 13 panics.
	cancelled := signals.NewSync[float64]()
	jsbridge.Export("go.cancelled", cancelled)
	jsbridge.Listen("waits", func(ctx context.Context, ms float64) error {
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
	waiting(cancelled)
	semantics()

	// "points" takes a point, which converts itself (jsbridge.Unmarshaler);
	// "ratios" takes float32s, and fails on those it cannot hold exactly.
	jsbridge.Listen("points", func(context.Context, point) error { return nil }, "go:points")
	jsbridge.Listen("ratios", func(_ context.Context, f float32) error {
		if float64(f) != math.Round(float64(f)*4)/4 {
			return errors.New("not a quarter: " + strconv.FormatFloat(float64(f), 'g', -1, 32))
		}
		return nil
	}, "go:ratios")
	jsbridge.Serve()
}

// point is {x, y}, both numbers.
type point struct{ x, y float64 }

func (p *point) UnmarshalJS(v any) error {
	m, _ := v.(map[string]any)
	x, okX := m["x"].(float64)
	y, okY := m["y"].(float64)
	if !okX || !okY {
		return errors.New("a point needs numbers x and y")
	}
	p.x, p.y = x, y
	return nil
}

// waiting adds Go listeners that wait as ordinary Go code does: on a timer, a
// mutex or a channel, inside a plain Listen listener or a Go signal's
// listener. JavaScript must await them, as it awaits a promise.
func waiting(cancelled *signals.SyncSignal[float64]) {
	// "sleepy" (a JavaScript signal) and "go.slow" (a Go signal) wait the
	// milliseconds emitted, then fail if they were negative; an infinite wait
	// lasts until the context ends, which is reported on "go.cancelled".
	wait := func(ctx context.Context, ms float64) error {
		d := time.Duration(math.Abs(ms) * float64(time.Millisecond))
		if math.IsInf(ms, 0) {
			d = math.MaxInt64
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			cancelled.Emit(context.Background(), ms)
			return ctx.Err()
		}
		if ms < 0 {
			return errors.New("waited " + strconv.FormatFloat(-ms, 'g', -1, 64) + " ms, then failed")
		}
		return nil
	}
	jsbridge.Listen("sleepy", wait, "go:sleepy")
	slow := signals.NewSync[float64]()
	slow.AddListenerWithErr(wait, "go:wait")
	jsbridge.Export("go.slow", slow)
	slowAsync := signals.New[float64]()
	slowAsync.AddListenerWithErr(wait, "go:wait")
	jsbridge.Export("go.slowAsync", slowAsync)

	// "promised" waits for a JavaScript promise of the string emitted, then
	// fails with what it resolved to.
	jsbridge.Listen("promised", func(_ context.Context, s string) error {
		resolved := make(chan string, 1)
		then := js.FuncOf(func(_ js.Value, args []js.Value) any {
			resolved <- args[0].String()
			return nil
		})
		defer then.Release()
		js.Global().Get("Promise").Call("resolve", s).Call("then", then)
		return errors.New("the promise resolved to " + <-resolved)
	}, "go:promised")

	// "crossed" waits 20 ms while another goroutine calls JavaScript, which
	// calls back a Go function at once (a js.FuncOf); that callback lets Go
	// run the other goroutines until the wait is over, or 200 ms have
	// passed: the waiting listener's goroutine wakes up inside that call.
	jsbridge.Listen("crossed", func(context.Context, any) error {
		done := make(chan struct{})
		go func() {
			callback := js.FuncOf(func(js.Value, []js.Value) any {
				for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
					select {
					case <-done:
						return nil
					default:
						runtime.Gosched()
					}
				}
				return nil
			})
			defer callback.Release()
			js.Global().Get("Reflect").Call("apply", callback, js.Undefined(), js.Global().Get("Array").New())
		}()
		time.Sleep(20 * time.Millisecond)
		close(done)
		return errors.New("crossed")
	}, "go:crossed")

	// "fatal" waits while a goroutine of its own panics, at once or after
	// the milliseconds emitted: the program ends.
	jsbridge.Listen("fatal", func(_ context.Context, ms float64) error {
		go func() {
			if ms > 0 {
				time.Sleep(time.Duration(ms) * time.Millisecond)
			}
			panic("fatal: the test module ends here")
		}()
		select {}
	}, "go:fatal")

	// "stuck" never returns, whatever happens: it ignores its context.
	jsbridge.Listen("stuck", func(context.Context, any) error { select {} }, "go:stuck")

	// Emitting ms on "go.hold" makes a goroutine hold a mutex for that long;
	// "locked" takes that mutex, and fails on a negative payload once it has it.
	var mu sync.Mutex
	hold := signals.NewSync[float64]()
	hold.AddListener(func(_ context.Context, ms float64) {
		mu.Lock()
		go func() {
			time.Sleep(time.Duration(ms * float64(time.Millisecond)))
			mu.Unlock()
		}()
	}, "hold")
	jsbridge.Export("go.hold", hold)
	jsbridge.Listen("locked", func(_ context.Context, n float64) error {
		mu.Lock()
		defer mu.Unlock()
		if n < 0 {
			return errors.New("locked, then failed")
		}
		return nil
	}, "go:locked")
}

// semantics serves the cases of docs/semantics.json to a Go signal driven
// from JavaScript (web/test/semantics.test.js). An emit on
// "go.semantics.setup" gives "go.semantics" (sync) or "go.semantics.async"
// the Go listeners that a case lists. Each reports its call on
// "go.semantics.calls", the signals' OnError the key of each failure on
// "go.semantics.reported", and an "abort" listener asks JavaScript, on
// "go.semantics.abort", to abort the tryEmit that runs it.
func semantics() {
	calls := signals.NewSync[string]()
	reported := signals.NewSync[string]()
	abort := signals.NewSync[any]()
	options := &signals.SignalOptions{OnError: func(err error) {
		var le *signals.ListenerError
		var pe *signals.PanicError
		key := ""
		if errors.As(err, &pe) {
			key = pe.Key
		} else if errors.As(err, &le) {
			key = le.Key
		}
		reported.Emit(context.Background(), key)
	}}
	targets := map[string]signals.Signal[float64]{
		"sync":  signals.NewSyncWithOptions[float64](options),
		"async": signals.NewWithOptions[float64](options),
	}
	var add func(s signals.Signal[float64], spec map[string]any)
	add = func(s signals.Signal[float64], spec map[string]any) {
		name, _ := spec["name"].(string)
		key, _ := spec["key"].(string)
		does, _ := spec["does"].(string)
		listener := func(ctx context.Context, depth float64) error {
			calls.Emit(context.Background(), name)
			switch {
			case does == "fail":
				return errors.New(name + " failed")
			case does == "panic":
				panic(name + " panicked")
			case strings.HasPrefix(does, "remove:"):
				s.RemoveListener(strings.TrimPrefix(does, "remove:"))
			case strings.HasPrefix(does, "add:"):
				added := strings.TrimPrefix(does, "add:")
				add(s, map[string]any{"name": added, "key": added})
			case does == "emit" && depth == 0:
				s.Emit(ctx, depth+1)
			case does == "reset":
				s.Reset()
			case does == "abort":
				abort.Emit(context.Background(), nil)
			}
			return nil
		}
		if once, _ := spec["once"].(bool); once {
			s.AddOnceWithKey(func(ctx context.Context, depth float64) { _ = listener(ctx, depth) }, key)
		} else {
			s.AddListenerWithErr(listener, key)
		}
	}
	setup := signals.NewSync[map[string]any]()
	setup.AddListenerWithErr(func(_ context.Context, c map[string]any) error {
		name, _ := c["signal"].(string)
		s, ok := targets[name]
		specs, _ := c["listeners"].([]any)
		if !ok {
			return errors.New("no signal " + strconv.Quote(name))
		}
		s.Reset()
		for _, spec := range specs {
			add(s, spec.(map[string]any))
		}
		return nil
	}, "setup")
	jsbridge.Export("go.semantics.setup", setup)
	jsbridge.Export("go.semantics", targets["sync"])
	jsbridge.Export("go.semantics.async", targets["async"])
	jsbridge.Export("go.semantics.calls", calls)
	jsbridge.Export("go.semantics.reported", reported)
	jsbridge.Export("go.semantics.abort", abort)
}
