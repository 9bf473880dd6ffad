//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"strings"
	"syscall/js"

	"github.com/edgesignals/edgesignals/signals"
)

// export is a Go signal handed to JavaScript, with its payload type erased.
type export struct {
	emit func(v any) error
	try  func(v any) error
	add  func(fn js.Value, key string, once bool) int
	sig  interface {
		RemoveListener(string) int
		Reset()
		Len() int
		Keys() []string
	}
}

// Export makes s available to JavaScript as signal(name). JavaScript can add
// and remove listeners, which stay JavaScript functions that Go calls, and
// emit payloads, which convert to T as for [Listen]. A second Export of the
// same name replaces the first.
func Export[T any](name string, s signals.Signal[T]) {
	_, async := s.(*signals.AsyncSignal[T])
	e := &export{
		sig: s,
		emit: func(v any) error {
			t, err := convert[T](v)
			if err != nil {
				return err
			}
			s.Emit(context.Background(), t)
			if a, ok := s.(*signals.AsyncSignal[T]); ok {
				// Goroutines started by a WebAssembly export run only when
				// Go is next resumed (the bridge resumes it a macrotask
				// later): waiting here lets emit return with its listeners
				// done, so JavaScript sees them finish in emit order.
				return a.Wait(context.Background())
			}
			return nil
		},
		try: func(v any) error {
			t, err := convert[T](v)
			if err != nil {
				return err
			}
			return s.TryEmit(context.Background(), t)
		},
		add: func(fn js.Value, key string, once bool) int {
			l := func(_ context.Context, v T) error {
				jv, err := toJS(v)
				if err != nil {
					return err
				}
				fn.Invoke(jv) // a throw panics with a js.Error: the emit's guard returns it
				return nil
			}
			if once {
				return s.AddOnceWithKey(func(ctx context.Context, v T) {
					if err := l(ctx, v); err != nil {
						panic(err)
					}
				}, key)
			}
			return s.AddListenerWithErr(l, key)
		},
	}
	handle := len(exports)
	exports = append(exports, e)
	whenServed(func() { host.Call("export", name, handle, async) })
}

func exported(handle int32) (*export, error) {
	if handle < 0 || int(handle) >= len(exports) {
		return nil, errors.New("jsbridge: no exported signal with that handle")
	}
	return exports[handle], nil
}

//go:wasmexport es_emit
func esEmit(handle, kind int32, num float64, n int32) int32 {
	return emitOn(handle, kind, num, n, func(e *export) func(any) error { return e.emit })
}

//go:wasmexport es_try
func esTry(handle, kind int32, num float64, n int32) int32 {
	return emitOn(handle, kind, num, n, func(e *export) func(any) error { return e.try })
}

func emitOn(handle, kind int32, num float64, n int32, pick func(*export) func(any) error) int32 {
	e, err := exported(handle)
	if err != nil {
		return fail(err)
	}
	v, err := payload(kind, num, n)
	if err != nil {
		return fail(err)
	}
	return fail(guard(func() error { return pick(e)(v) }))
}

// es_add adds the function JavaScript staged in host.staged, with a key of
// keyLen bytes in buf, and returns the listener count or -1.
//
//go:wasmexport es_add
func esAdd(handle, keyLen int32, once bool) int32 {
	e, err := exported(handle)
	if err != nil {
		return -1
	}
	return int32(e.add(host.Get("staged"), string(buf[:keyLen]), once))
}

//go:wasmexport es_remove
func esRemove(handle, keyLen int32) int32 {
	e, err := exported(handle)
	if err != nil {
		return -1
	}
	return int32(e.sig.RemoveListener(string(buf[:keyLen])))
}

//go:wasmexport es_reset
func esReset(handle int32) {
	if e, err := exported(handle); err == nil {
		e.sig.Reset()
	}
}

//go:wasmexport es_len
func esLen(handle int32) int32 {
	if e, err := exported(handle); err == nil {
		return int32(e.sig.Len())
	}
	return -1
}

// es_keys hands the keys to JavaScript as one string, NUL-separated, which
// costs one crossing instead of one per key.
//
//go:wasmexport es_keys
func esKeys(handle int32) {
	if e, err := exported(handle); err == nil {
		host.Call("keys", strings.Join(e.sig.Keys(), "\x00"))
	}
}

// Marshaler is implemented by payload types that convert themselves to a
// value of the mapping before they reach JavaScript.
type Marshaler interface {
	MarshalJS() any
}

// toJS converts a Go payload for a JavaScript listener.
func toJS(v any) (js.Value, error) {
	switch v := v.(type) {
	case nil:
		return js.Null(), nil
	case bool, float64, float32, int, int64, string:
		return js.ValueOf(v), nil
	case []byte:
		a := js.Global().Get("Uint8Array").New(len(v))
		js.CopyBytesToJS(a, v)
		return a, nil
	case []any:
		a := js.Global().Get("Array").New(len(v))
		for i, e := range v {
			jv, err := toJS(e)
			if err != nil {
				return js.Undefined(), err
			}
			a.SetIndex(i, jv)
		}
		return a, nil
	case map[string]any:
		o := js.Global().Get("Object").New()
		for k, e := range v {
			jv, err := toJS(e)
			if err != nil {
				return js.Undefined(), err
			}
			if k == "__proto__" { // Set would replace the prototype
				js.Global().Get("Object").Call("defineProperty", o, k,
					map[string]any{"value": jv, "enumerable": true, "writable": true, "configurable": true})
			} else {
				o.Set(k, jv)
			}
		}
		return o, nil
	case Marshaler:
		return toJS(v.MarshalJS())
	}
	return js.Undefined(), errors.New("jsbridge: a Go payload of this type does not convert to JavaScript; implement jsbridge.Marshaler")
}
