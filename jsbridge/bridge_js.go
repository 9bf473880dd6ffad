//go:build js && wasm

package jsbridge

import (
	"context"
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

// listener is a Go listener of a JavaScript signal, as Listen registered it.
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
func Listen[T any](name string, fn signals.SignalListenerErr[T], key ...string) {
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
	whenServed(func() { host.Call("listen", name, id, k) })
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
		err = guard(func() error { return l.call(context.Background(), v) })
	}
	if pe, ok := err.(*signals.PanicError); ok {
		pe.Key = l.key // guard cannot know it
	}
	return fail(err)
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

// fail tells JavaScript why a call failed, if it did, and returns the status
// the exports return: 0 for success, 1 for failure.
func fail(err error) int32 {
	if err == nil {
		return 0
	}
	var jsErr js.Error
	if errors.As(err, &jsErr) {
		host.Call("fail", jsErr.Value, "", "") // a JavaScript listener's own error
		return 1
	}
	// JavaScript sees the Go listener's own message, its key apart.
	msg, name, key := err.Error(), "GoError", ""
	var le *signals.ListenerError
	var pe *signals.PanicError
	var te *PayloadError
	switch {
	case errors.As(err, &te):
		msg, name = te.Error(), "TypeError"
	case errors.As(err, &pe):
		name, key = "PanicError", pe.Key
	case errors.As(err, &le):
		msg, key = le.Err.Error(), le.Key
	}
	host.Call("fail", msg, name, key)
	return 1
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
