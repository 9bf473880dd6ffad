//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/edgesignals/edgesignals/signals"
)

// goSignal is a Go signal handed to JavaScript, with its payload type erased.
type goSignal struct {
	emit func(ctx context.Context, v any) error
	try  func(ctx context.Context, v any) error
	add  func(fn js.Value, key string, once bool) int
	sig  interface {
		RemoveListener(string) int
		Reset()
		Len() int
		Keys() []string
	}
}

func export[T any](name string, s signals.Signal[T]) {
	if s == nil {
		panic("jsbridge: Export(" + strconv.Quote(name) + ") with a nil signal")
	}
	if !convertible[T]() && !marshalable[T]() {
		panic("jsbridge: Export(" + strconv.Quote(name) + "): " + unconvertible[T]() +
			"; nor does a " + typeName[T]() + " convert to JavaScript: implement jsbridge.Marshaler")
	}
	_, async := s.(*signals.AsyncSignal[T])
	e := &goSignal{
		sig: s,
		emit: func(ctx context.Context, v any) error {
			t, err := convert[T](v)
			if err != nil {
				return err
			}
			s.Emit(ctx, t)
			if a, ok := s.(*signals.AsyncSignal[T]); ok {
				// Goroutines started by a WebAssembly export run only when
				// Go is next resumed (the bridge resumes it a macrotask
				// later): waiting here lets emit return with its listeners
				// done, so JavaScript sees them finish in emit order.
				return a.Wait(ctx)
			}
			return nil
		},
		try: func(ctx context.Context, v any) error {
			t, err := convert[T](v)
			if err != nil {
				return err
			}
			return s.TryEmit(ctx, t)
		},
		add: func(fn js.Value, key string, once bool) int {
			l := func(ctx context.Context, v T) error {
				jv, err := toJS(v)
				if err != nil {
					return err
				}
				// A throw panics with a js.Error: the emit's guard returns it.
				fn.Invoke(jv, callOf(ctx))
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

func exported(handle int32) (*goSignal, error) {
	if handle < 0 || int(handle) >= len(exports) {
		return nil, errors.New("jsbridge: no exported signal with that handle")
	}
	return exports[handle], nil
}

// es_emit and es_try take their arguments from the exchange block, as
// es_call does (see dispatch).
//
//go:wasmexport es_emit
func esEmit() {
	if _, err := exported(ex.target); err != nil {
		end(ex.call, err)
		return
	}
	dispatch(emit, false)
}

//go:wasmexport es_try
func esTry() {
	if _, err := exported(ex.target); err != nil {
		end(ex.call, err)
		return
	}
	dispatch(try, true)
}

func emit(ctx context.Context, handle int32, v any) error {
	return guard(func() error { return exports[handle].emit(ctx, v) })
}

func try(ctx context.Context, handle int32, v any) error {
	return guard(func() error { return exports[handle].try(ctx, v) })
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

// toJS converts a Go payload for a JavaScript listener.
func toJS(v any) (js.Value, error) {
	switch v := v.(type) {
	case nil:
		return js.Null(), nil
	case bool, float64, float32, string:
		return js.ValueOf(v), nil
	case int:
		return wholeToJS(int64(v), "int")
	case int64:
		return wholeToJS(v, "int64")
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
		m := v.MarshalJS()
		if !convertsToJS(m) {
			return js.Undefined(), errors.New("jsbridge: " + typeOf(v) + ".MarshalJS returned a value of type " +
				typeOf(m) + ", which does not convert to JavaScript: return nil, a bool, float64, float32, int, " +
				"int64, string, []byte, []any, map[string]any or a jsbridge.Marshaler")
		}
		return toJS(m)
	}
	return js.Undefined(), errors.New("jsbridge: a Go payload of type " + typeOf(v) +
		" does not convert to JavaScript: implement jsbridge.Marshaler on it")
}

// wholeToJS converts an int or int64, which JavaScript numbers hold exactly
// only within ±2^53.
func wholeToJS(n int64, typ string) (js.Value, error) {
	if n > 1<<53 || n < -(1<<53) {
		return js.Undefined(), errors.New("jsbridge: a Go payload " + typ + " " + strconv.FormatInt(n, 10) +
			" is beyond ±2^53, which JavaScript numbers do not hold exactly")
	}
	return js.ValueOf(float64(n)), nil
}
