package jsbridge

import "github.com/edgesignals/edgesignals/signals"

// The package's API, declared for every platform so that `go doc` shows it
// anywhere. The work is done in the files built for js/wasm (bridge_js.go,
// export_js.go); elsewhere these functions panic (nojs.go): there is no
// JavaScript to connect to.

// Listen adds fn as a listener of the JavaScript signal called name, whether
// JavaScript has created it yet or not. The optional key names it there, as
// with any keyed listener.
//
// fn runs when JavaScript emits on the signal, in its place among the
// signal's listeners, with a payload converted to T (see the package
// documentation; a payload that does not convert reaches JavaScript as a
// TypeError and fn is not called). fn may wait, as any Go code does: on a
// timer, a channel, a mutex, I/O or JavaScript. If it returns before Go has
// nothing else to run, JavaScript gets its outcome within the emitting call,
// with no promise in between; otherwise JavaScript awaits it: tryEmit waits
// for fn before it calls the listeners after it, emit returns at once and a
// failure goes to the signal's onError. An abort or timeout of the tryEmit
// cancels ctx and rejects with its reason. A listener that never returns
// keeps its goroutine forever, but not JavaScript.
//
// Listen panics if no JavaScript payload can ever convert to T (a channel,
// a uint8, a struct without an [Unmarshaler], ...), naming T.
func Listen[T any](name string, fn signals.SignalListenerErr[T], key ...string) {
	listen(name, fn, key)
}

// Export makes s available to JavaScript as signal(name). JavaScript can add
// and remove listeners, which stay JavaScript functions that Go calls, and
// emit payloads, which convert to T as for [Listen]. s's Go listeners may
// wait, as Listen's may: JavaScript's tryEmit then awaits them, and emit
// returns without waiting for them. A second Export of the same name
// replaces the first.
//
// Export panics if T converts neither from JavaScript nor to it.
func Export[T any](name string, s signals.Signal[T]) {
	export(name, s)
}

// Serve connects the bridge to the JavaScript that loaded the module (the
// edgesignals package's load()) and keeps the program running to serve it.
// It never returns. The two sides check at start that they speak the same
// version of the bridge; a mismatch stops the program with a message saying
// which.
func Serve() {
	serve()
}

// Marshaler is implemented by payload types that convert themselves to a
// value of the mapping (float64, string, bool, nil, []byte, []any,
// map[string]any, or another Marshaler) before they reach JavaScript.
type Marshaler interface {
	MarshalJS() any
}

// Unmarshaler is implemented, with a pointer receiver, by payload types
// that convert themselves from the values of the mapping (float64, string,
// bool, nil, []byte, []any, map[string]any); a listener then takes the type
// itself, not a pointer to it. An error it returns reaches JavaScript as a
// TypeError, as a [*PayloadError] that wraps it.
type Unmarshaler interface {
	UnmarshalJS(v any) error
}
