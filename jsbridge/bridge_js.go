//go:build js && wasm

package jsbridge

import (
	"context"
	"encoding/binary"
	"errors"
	"syscall/js"
	"unsafe"

	"github.com/edgesignals/edgesignals/signals"
)

// host is the JavaScript side of the bridge (web/src/bridge.js). The loader
// puts it in a global for Serve to take, so that nothing stays global.
var host js.Value

const hostGlobal = "__edgesignals_host"

// Payload kinds: how JavaScript passed the payload of a call.
const (
	kindNumber = 1 // the num argument
	kindString = 2 // n bytes of UTF-8 in buf
	kindWire   = 3 // n bytes of the wire format in buf
)

// buf is where JavaScript writes payloads and keys. Go's heap does not move,
// so its address stays valid until it is replaced by a larger one.
var buf = make([]byte, 4096)

//go:wasmexport es_buffer
func esBuffer(size int32) uint32 {
	if int(size) > len(buf) {
		buf = make([]byte, max(int(size), 2*len(buf)))
	}
	return uint32(uintptr(unsafe.Pointer(&buf[0])))
}

func payload(kind int32, num float64, n int32) (any, error) {
	switch kind {
	case kindNumber:
		return num, nil
	case kindString:
		return string(buf[:n]), nil
	case kindWire:
		return decode(buf[:n])
	}
	return nil, errors.New("jsbridge: unknown payload kind")
}

// listener is a Go listener of a JavaScript signal, as Listen or
// ListenAsync registered it.
type listener struct {
	key  string
	call func(context.Context, any) error
}

var (
	listeners []listener // by id, as JavaScript's stubs name them
	exports   []*export  // by handle
	served    bool
	queued    []func() // Listen and Export calls made before Serve
)

// Listen adds fn as a listener of the JavaScript signal called name, whether
// JavaScript has created it yet or not. The optional key names it there, as
// with any keyed listener. Payloads that do not convert to T reach
// JavaScript as a TypeError and fn is not called.
//
// fn runs inside the emitting JavaScript call, so it must not wait for
// JavaScript (timers, fetch, promises): use ListenAsync for that.
func Listen[T any](name string, fn signals.SignalListenerErr[T], key ...string) {
	listen(name, fn, false, key)
}

// ListenAsync is Listen for a listener that may wait: on timers, or on
// JavaScript through syscall/js callbacks. fn runs on a goroutine of its
// own, and JavaScript sees it as an async listener: tryEmit awaits it in its
// place among the signal's listeners, and an abort or timeout of the tryEmit
// cancels fn's context. Entering Go this way costs microseconds more than
// Listen's direct call.
func ListenAsync[T any](name string, fn signals.SignalListenerErr[T], key ...string) {
	listen(name, fn, true, key)
}

func listen[T any](name string, fn signals.SignalListenerErr[T], async bool, key []string) {
	id := len(listeners)
	k := ""
	if len(key) > 0 {
		k = key[0]
	}
	listeners = append(listeners, listener{key: k, call: func(ctx context.Context, v any) error {
		t, err := convert[T](v)
		if err != nil {
			return err
		}
		if err := fn(ctx, t); err != nil {
			return &signals.ListenerError{Key: k, Err: err}
		}
		return nil
	}})
	whenServed(func() { host.Call("listen", name, id, k, async) })
}

func whenServed(f func()) {
	if served {
		f()
		return
	}
	queued = append(queued, f)
}

//go:wasmexport es_call
func esCall(id, kind int32, num float64, n int32) int32 {
	if id < 0 || int(id) >= len(listeners) {
		return fail(errors.New("jsbridge: no Go listener with that id"))
	}
	l := listeners[id]
	v, err := payload(kind, num, n)
	if err == nil {
		err = l.run(context.Background(), v)
	}
	return fail(err)
}

// run calls the listener with v, turning a panic into an error.
func (l listener) run(ctx context.Context, v any) error {
	err := guard(func() error { return l.call(ctx, v) })
	if pe, ok := err.(*signals.PanicError); ok {
		pe.Key = l.key // guard cannot know it
	}
	return err
}

// running holds the cancel functions of the ListenAsync calls in progress,
// by the number JavaScript gave the call. Only exports and the goroutines
// they start touch it, one at a time: js/wasm has one thread, and none of
// them blocks while using it.
var running = map[int32]*callContext{}

// callContext is the context of a ListenAsync call: context.Background()
// with a Done channel that es_cancel closes. It stands in for
// context.WithCancel, whose machinery would add some 70 KB to every module.
type callContext struct {
	context.Context
	done     chan struct{}
	canceled bool
}

func (c *callContext) Done() <-chan struct{} { return c.done }

func (c *callContext) Err() error {
	if c.canceled {
		return context.Canceled
	}
	return nil
}

func (c *callContext) cancel() {
	if !c.canceled {
		c.canceled = true
		close(c.done)
	}
}

// es_call_async starts a ListenAsync listener on a goroutine, with the
// payload decoded now (the buffer is reused by the next call). The goroutine
// runs once JavaScript resumes Go; it reports with host.settle(call, status,
// address of failure).
//
//go:wasmexport es_call_async
func esCallAsync(id, call, kind int32, num float64, n int32) int32 {
	if id < 0 || int(id) >= len(listeners) {
		return fail(errors.New("jsbridge: no Go listener with that id"))
	}
	l := listeners[id]
	v, err := payload(kind, num, n)
	if err != nil {
		return fail(err)
	}
	ctx := &callContext{Context: context.Background(), done: make(chan struct{})}
	running[call] = ctx
	go func() {
		err := l.run(ctx, v)
		delete(running, call)
		status := fail(err)
		host.Call("settle", call, status, esFailure())
	}()
	return 0
}

// es_cancel cancels the context of a ListenAsync call: its tryEmit was
// aborted or timed out.
//
//go:wasmexport es_cancel
func esCancel(call int32) {
	if ctx := running[call]; ctx != nil {
		ctx.cancel()
	}
}

// guard runs f and turns its panic into an error, because a panic that
// escapes into JavaScript stops the Go program for good.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &signals.PanicError{Value: r}
		}
	}()
	return f()
}

// Statuses of the exports that call listeners.
const (
	statusOK      = 0
	statusJSError = 1 // a JavaScript listener's own error, handed over with host.fail
	statusGoError = 2 // a Go error, described by failure
)

// Kinds of Go error in failure; web/src/bridge.js names them.
const (
	failGo    = 0 // the listener's error: a GoError
	failPanic = 1 // the listener panicked: a GoError named PanicError
	failType  = 2 // the payload does not fit the listener: a TypeError
)

// failure describes the last Go error an export reported, for JavaScript to
// read from Go's memory once the export has returned: uint32 kind, uint32 key
// length, uint32 message length (little endian), key, message. Calling into
// JavaScript with the text instead would make a js.Value, with a finalizer,
// of every string, and the Error built there would capture Go's frames in its
// stack: a rejected order took 64 µs that way in make bench-js, ten times an
// accepted one.
var failure []byte

//go:wasmexport es_failure
func esFailure() uint32 {
	if len(failure) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&failure[0])))
}

// fail records why a call failed, if it did, and returns the status the
// exports return.
func fail(err error) int32 {
	if err == nil {
		return statusOK
	}
	var jsErr js.Error
	if errors.As(err, &jsErr) {
		host.Call("fail", jsErr.Value)
		return statusJSError
	}
	// JavaScript sees the Go listener's own message, its key apart.
	kind, msg, key := failGo, err.Error(), ""
	var le *signals.ListenerError
	var pe *signals.PanicError
	var te *PayloadError
	switch {
	case errors.As(err, &te):
		kind, msg = failType, te.Error()
	case errors.As(err, &pe):
		kind, key = failPanic, pe.Key
	case errors.As(err, &le):
		msg, key = le.Err.Error(), le.Key
	}
	failure = binary.LittleEndian.AppendUint32(failure[:0], uint32(kind))
	failure = binary.LittleEndian.AppendUint32(failure, uint32(len(key)))
	failure = binary.LittleEndian.AppendUint32(failure, uint32(len(msg)))
	failure = append(append(failure, key...), msg...)
	return statusGoError
}

// Serve connects the bridge to the JavaScript that loaded the module and
// keeps the program running to serve it. It never returns.
func Serve() {
	connect()
	select {}
}

// connect takes the host, tells it about the signals registered so far and
// that Go is ready.
func connect() {
	host = js.Global().Get(hostGlobal)
	if host.IsUndefined() {
		panic("jsbridge: Serve: load this module with the edgesignals package's load()")
	}
	js.Global().Delete(hostGlobal)
	served = true
	for _, f := range queued {
		f()
	}
	queued = nil
	host.Call("ready")
}
