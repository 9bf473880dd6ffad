package signals

import (
	"fmt"
	"runtime/debug"
)

// ListenerError is the error of a keyed listener, as TryEmit returns it and
// OnError receives it. Errors of unkeyed listeners arrive unwrapped.
type ListenerError struct {
	Key string // the listener's key
	Err error  // what the listener returned
}

func (e *ListenerError) Error() string {
	return fmt.Sprintf("signals: listener %q: %v", e.Key, e.Err)
}

// Unwrap returns the listener's own error, so errors.Is and errors.As reach it.
func (e *ListenerError) Unwrap() error { return e.Err }

// PanicError is a listener panic turned into an error.
type PanicError struct {
	Key   string // the listener's key, "" if it has none
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack, from runtime/debug.Stack
}

func (e *PanicError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("signals: listener panicked: %v", e.Value)
	}
	return fmt.Sprintf("signals: listener %q panicked: %v", e.Key, e.Value)
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
	return &PanicError{Key: key, Value: v, Stack: debug.Stack()}
}

func listenerError(key string, err error) error {
	if key == "" {
		return err
	}
	return &ListenerError{Key: key, Err: err}
}
