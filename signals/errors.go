package signals

import (
	"runtime"
	"strconv"
)

// ListenerError is the error of a keyed listener, as TryEmit returns it and
// OnError receives it. Errors of unkeyed listeners arrive unwrapped.
type ListenerError struct {
	Key string // the listener's key
	Err error  // what the listener returned
}

// Error returns the listener's error text, prefixed with its quoted key.
func (e *ListenerError) Error() string {
	return "signals: listener " + strconv.Quote(e.Key) + ": " + e.Err.Error()
}

// Unwrap returns the listener's own error, so errors.Is and errors.As reach it.
func (e *ListenerError) Unwrap() error { return e.Err }

// PanicError is a listener panic turned into an error.
type PanicError struct {
	Key   string // the listener's key, "" if it has none
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack, as runtime.Stack formats it
}

// Error describes the panic value, naming the listener's key if it has one.
func (e *PanicError) Error() string {
	if e.Key == "" {
		return "signals: listener panicked: " + describe(e.Value)
	}
	return "signals: listener " + strconv.Quote(e.Key) + " panicked: " + describe(e.Value)
}

// describe formats a panic value as fmt's %v would for the usual kinds of
// value. The package does without fmt (and log/slog on js/wasm) because they
// would add over a megabyte to a WebAssembly module.
func describe(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case interface{ String() string }:
		return v.String()
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return "a value of type " + typeName(v)
	}
}

// Unwrap returns the panic value if it is an error, so that
// errors.Is(err, io.EOF) holds after panic(io.EOF).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// newPanicError must be called from the deferred function that recovered v,
// so that the stack is the panicking one.
func newPanicError(key string, v any) *PanicError {
	// runtime.Stack rather than runtime/debug.Stack, which imports fmt.
	buf := make([]byte, 4096)
	for {
		n := runtime.Stack(buf, false)
		if n < len(buf) {
			return &PanicError{Key: key, Value: v, Stack: buf[:n]}
		}
		buf = make([]byte, 2*len(buf))
	}
}

func listenerError(key string, err error) error {
	if key == "" {
		return err
	}
	return &ListenerError{Key: key, Err: err}
}
