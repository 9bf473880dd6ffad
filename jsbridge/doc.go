// Package jsbridge connects Go signals to JavaScript, for programs compiled
// with GOOS=js GOARCH=wasm and loaded by the edgesignals npm package.
//
// A Go program hands its own signals to JavaScript with [Export] and listens
// to signals created in JavaScript with [Listen], then calls [Serve]:
//
//	orders := signals.NewSync[Order]()
//	jsbridge.Export("orders", orders)
//	jsbridge.Listen("audit", func(ctx context.Context, e map[string]any) error { ... })
//	jsbridge.Serve()
//
// JavaScript listeners stay in JavaScript: the bridge enters Go only to call
// a Go listener or to emit on a Go signal, through numeric exports of the
// WebAssembly module (//go:wasmexport), never through a js.Func per listener.
// A payload crosses as a number, or as bytes in a compact wire format that
// JavaScript writes into Go's memory, and arrives as one of the types of the
// mapping: float64, string, bool, nil, []byte (from a Uint8Array), []any
// (from an array) and map[string]any (from a plain object); an interface
// without methods (any) takes any of them. A number also converts to int
// and int64 if it is whole and within ±2^53, and to float32 if it is within
// float32's range (±3.4e38; rounded to float32's precision; NaN and the
// infinities too). Other types implement [Unmarshaler] on their pointer,
// and a listener takes the type itself (not a pointer to it). A payload that
// does not convert, or that an Unmarshaler refuses, is a [*PayloadError]
// naming the Go type, which JavaScript receives as a TypeError; it never
// panics. Listen refuses, with a panic, a type that no payload converts to.
//
// On the way to JavaScript (payloads of exported signals, for JavaScript
// listeners), the same types convert back, int and int64 within ±2^53, and
// other types implement [Marshaler].
//
// Go listeners may wait, as any Go code does (timers, channels, mutexes,
// I/O, JavaScript promises through syscall/js): JavaScript awaits them in
// their place among a signal's listeners. A listener that does not wait
// answers within the JavaScript call, without a promise in between.
package jsbridge
