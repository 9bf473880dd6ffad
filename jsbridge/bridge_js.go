//go:build js && wasm

package jsbridge

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"strconv"
	"syscall/js"
	"time"
	"unsafe"

	"github.com/edgesignals/edgesignals/signals"
)

// protocol numbers the contract between this package and the npm package's
// web/src/bridge.js: the exports, the layout of the exchange block, the
// statuses, kinds and wire tags. Both sides check it at start (connect);
// change it with any of them.
const protocol = 1

// host is the JavaScript side of the bridge (web/src/bridge.js). The loader
// puts it in a global for Serve to take, so that nothing stays global.
var host js.Value

const hostGlobal = "__edgesignals_host"

// Payload kinds: how JavaScript passed the payload of a call.
const (
	kindNumber = 1 // exchange.num
	kindString = 2 // exchange.n bytes of UTF-8 in buf
	kindWire   = 3 // exchange.n bytes of the wire format in buf
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

// exchange is the block of Go memory through which JavaScript passes the
// arguments of a call that runs listeners (es_call, es_emit, es_try) and
// reads how it ended. Those exports take no arguments and return nothing,
// which is what lets them return early safely: see dispatch. bridge.js
// mirrors the field offsets (jsbridge's TestMirroredConstants checks them).
type exchange struct {
	target  int32   // the Go listener's id, or the exported signal's handle
	call    int32   // JavaScript's number for the call
	kind    int32   // how the payload was passed: kindNumber, kindString, kindWire
	n       int32   // bytes of payload in buf
	num     float64 // the payload, for kindNumber
	flags   int32   // callNested, callAbortable
	ended   int32   // the number of the call that status describes
	status  int32   // how that call ended: statusOK, ...
	failure uint32  // address of the failure record, for statusFailed
	resumes int32   // written by JavaScript: how many go._resume calls run (see dispatch)
	waiting int32   // 1 while a finished call waits for them to end (es_wake)
}

var ex exchange

// Flags of a call, in exchange.flags.
const (
	callNested    = 1 // JavaScript calls from inside Go (from a JavaScript listener that Go called)
	callAbortable = 2 // JavaScript's tryEmit has an AbortSignal or a timeout
)

// exchangeAddress is where ex lives in Go's memory; serve hands it to
// JavaScript in its hello.
func exchangeAddress() uint32 { return uint32(uintptr(unsafe.Pointer(&ex))) }

func payload() (any, error) {
	switch ex.kind {
	case kindNumber:
		return ex.num, nil
	case kindString:
		return string(buf[:ex.n]), nil
	case kindWire:
		return decode(buf[:ex.n])
	}
	return nil, errors.New("jsbridge: unknown payload kind")
}

// listener is a Go listener of a JavaScript signal, as Listen registered it.
type listener struct {
	key  string
	call func(context.Context, any) error
}

var (
	listeners []listener  // by id, as JavaScript's stubs name them
	exports   []*goSignal // by handle
	served    bool
	queued    []func() // Listen and Export calls made before Serve
)

func listen[T any](name string, fn signals.SignalListenerErr[T], key []string) {
	if fn == nil {
		panic("jsbridge: Listen(" + strconv.Quote(name) + ") with a nil listener")
	}
	if !convertible[T]() {
		panic("jsbridge: Listen(" + strconv.Quote(name) + "): " + unconvertible[T]())
	}
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
func esCall() {
	if ex.target < 0 || int(ex.target) >= len(listeners) {
		end(ex.call, errors.New("jsbridge: no Go listener with that id"))
		return
	}
	dispatch(runListener, false)
}

func runListener(ctx context.Context, target int32, v any) error {
	return listeners[target].run(ctx, v)
}

// run calls the listener with v, turning a panic into an error.
func (l listener) run(ctx context.Context, v any) error {
	err := guard(func() error { return l.call(ctx, v) })
	if pe, ok := err.(*signals.PanicError); ok {
		pe.Key = l.key // guard cannot know it
	}
	return err
}

// Running listeners for JavaScript.
//
// A call from JavaScript runs the listeners on the goroutine of the export
// itself, since starting another goroutine and switching to it costs a few
// microseconds per call in js/wasm, ten times the call. Those listeners may
// wait (a timer, a channel, a mutex, I/O). While they do, Go's scheduler
// runs the other goroutines; if none is left to run, it returns to
// JavaScript from the export at once (runtime/lock_js.go, beforeIdle pauses
// Go), with the listeners still waiting. An export with arguments or results
// cannot survive that: on its way out it reads its results and moves Go's
// stack pointer as if it had returned normally, so Go's next entry works on
// a wrong stack. The exports that run listeners therefore have neither: they
// read their arguments from the exchange block and write the outcome there,
// marked with the number of the call (ended). JavaScript, finding that the
// call has not ended, takes it as pending: it calls es_pending, returns a
// promise, and host.settle resolves it once the listeners are done. The
// goroutine, which would otherwise return into the export it already left,
// then ends with runtime.Goexit.
//
// A call that JavaScript makes from inside Go (from a JavaScript listener
// that Go called) must not return early: Go's own frames sit below it, in
// the middle of their call to JavaScript. It gets a goroutine of its own
// and is pending at once.

// The context that a call from JavaScript gives its listeners. A call that
// JavaScript can abort (its tryEmit has an AbortSignal or a timeout) gets a
// *callContext, which es_cancel cancels. The others cannot end, and most get
// context.Background(), which costs nothing: a context of our own costs an
// allocation, and signals make a Done channel of it on every emit. A Go
// signal's tryEmit gets a callID instead, which carries the call's number:
// JavaScript ties the JavaScript listeners that Go calls to the tryEmit of
// that number (host.callListener).

// callID is the context of a call that cannot be aborted:
// context.Background() with the call's number.
type callID int32

func (callID) Deadline() (time.Time, bool) { return time.Time{}, false }
func (callID) Done() <-chan struct{}       { return nil }
func (callID) Err() error                  { return nil }
func (c callID) Value(key any) any {
	if key == (callKey{}) {
		return c
	}
	return nil
}

type callKey struct{}

// callContext is the context of a call that JavaScript's tryEmit can abort
// (es_cancel): context.Background() with a Done channel. It stands in for
// context.WithCancel, whose machinery would add some 70 KB to every module.
type callContext struct {
	call     int32
	canceled bool
	done     chan struct{}
}

func (*callContext) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done makes its channel on first use.
func (c *callContext) Done() <-chan struct{} {
	if c.done == nil {
		c.done = make(chan struct{})
	}
	return c.done
}

func (c *callContext) Err() error {
	if c.canceled {
		return context.Canceled
	}
	return nil
}

func (c *callContext) Value(key any) any {
	if key == (callKey{}) {
		return callID(c.call)
	}
	return nil
}

func (c *callContext) cancel() {
	if c.canceled {
		return
	}
	c.canceled = true
	if c.done == nil {
		c.done = closed
	} else {
		close(c.done)
	}
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// callOf returns the number of the JavaScript call that ctx belongs to, 0
// if none. Signals hand the emit's context to their listeners as it is,
// unless a listener makes a context of its own.
func callOf(ctx context.Context) int32 {
	switch c := ctx.(type) {
	case callID:
		return int32(c)
	case *callContext:
		return c.call
	}
	if c, ok := ctx.Value(callKey{}).(callID); ok {
		return int32(c)
	}
	return 0
}

var (
	// current is the number of the call that runs on an export's
	// goroutine, and currentContext its context if it can be cancelled.
	current        int32
	currentContext *callContext
	// pending holds the calls that JavaScript awaits, with their contexts
	// (nil for calls that cannot be cancelled).
	pending = map[int32]*callContext{}
)

// dispatch runs the call that ex describes: run with its target and
// payload (see above). numbered says whether run's listeners must learn
// the call's number (see callID).
func dispatch(run func(ctx context.Context, target int32, v any) error, numbered bool) {
	call, target, flags := ex.call, ex.target, ex.flags
	v, err := payload()
	if err != nil {
		end(call, err)
		return
	}
	var c *callContext
	ctx := context.Background()
	if numbered {
		ctx = callID(call)
	}
	if flags&callAbortable != 0 {
		c = &callContext{call: call}
		ctx = c
	}
	if flags&callNested != 0 {
		pending[call] = c
		go func() { settle(call, run(ctx, target, v)) }()
		ex.ended, ex.status = call, statusPending
		return
	}
	current, currentContext = call, c
	err = run(ctx, target, v)
	// Returning into the export is safe from the export's own loop only. A
	// goroutine that waited may have been woken inside a js.FuncOf callback
	// instead (another goroutine called JavaScript, which called Go back,
	// and Go ran its other goroutines there): it waits for that to end.
	for ex.resumes != 0 && current == call {
		ex.waiting = 1
		<-wake
	}
	ex.waiting = 0
	if current != call {
		// es_pending took the call over, and later calls may have run.
		settle(call, err)
		runtime.Goexit() // the export returned long ago: there is nothing to go back to
	}
	current, currentContext = 0, nil
	end(call, err)
}

// end records how call ended, for JavaScript to read after the export.
func end(call int32, err error) {
	if err == nil {
		ex.ended, ex.status = call, statusOK
		return
	}
	ex.status = fail(err)
	ex.ended = call
	if ex.status == statusFailed {
		ex.failure = failureAddress()
	}
}

// settle tells JavaScript how a pending call ended.
func settle(call int32, err error) {
	delete(pending, call)
	status := fail(err)
	host.Call("settle", call, status, failureAddress())
}

// wake lets a finished call return into its export (see dispatch).
var wake = make(chan struct{}, 1)

// es_wake is called by JavaScript when the last go._resume has returned
// while a call waits to return (exchange.waiting).
//
//go:wasmexport es_wake
func esWake() {
	select {
	case wake <- struct{}{}:
	default:
	}
}

// es_pending tells Go that its current call returned to JavaScript before
// its listeners were done: JavaScript now awaits it.
//
//go:wasmexport es_pending
func esPending() {
	if current != 0 {
		pending[current] = currentContext
		current, currentContext = 0, nil
	}
}

// es_cancel cancels the context of a call: its tryEmit was aborted or timed
// out, while it was pending, or during the call itself (by a JavaScript
// listener that Go called).
//
//go:wasmexport es_cancel
func esCancel(call int32) {
	c := pending[call] // nil for a call that cannot be cancelled
	if call == current {
		c = currentContext
	}
	if c != nil {
		c.cancel()
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

// Statuses of the calls that run listeners.
const (
	statusOK      = 0
	statusFailed  = 1 // the failure record says why
	statusPending = 2 // the call goes on; host.settle reports its end
)

// Kinds of error in the failure record; web/src/bridge.js makes each a
// JavaScript error.
const (
	failGo    = 0 // the listener's error: a GoError
	failPanic = 1 // the listener panicked: a GoError named PanicError
	failType  = 2 // the payload does not fit the listener: a TypeError
	failJS    = 3 // a JavaScript listener's own error, handed over with host.fail
)

// failure describes why the last call failed, for JavaScript to read from
// Go's memory once the call has returned: a uint32 count of errors, a uint32
// that is 1 if they were joined (an async signal's TryEmit joins its
// listeners' errors: JavaScript then gets an AggregateError of them, as from
// a JavaScript async signal, even for one), then for each a uint32 kind,
// uint32 key length and uint32 message length (little endian), the key and
// the message. Calling into JavaScript with the text instead
// would make a js.Value, with a finalizer, of every string, and the Error
// built there would capture Go's frames in its stack: a rejected order took
// 64 µs that way in make bench-js, ten times an accepted one.
var failure []byte

func failureAddress() uint32 {
	if len(failure) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&failure[0])))
}

// fail records why a call failed, if it did, and returns its status.
func fail(err error) int32 {
	if err == nil {
		return statusOK
	}
	_, joined := err.(interface{ Unwrap() []error })
	failure = binary.LittleEndian.AppendUint32(failure[:0], 0)
	failure = binary.LittleEndian.AppendUint32(failure, uint32(b2i(joined)))
	binary.LittleEndian.PutUint32(failure, describe(err))
	return statusFailed
}

// describe appends err to the failure record and returns how many errors it
// appended: one, or those of a join.
func describe(err error) uint32 {
	if join, ok := err.(interface{ Unwrap() []error }); ok {
		n := uint32(0)
		for _, e := range join.Unwrap() {
			n += describe(e)
		}
		return n
	}
	var jsErr js.Error
	if errors.As(err, &jsErr) {
		host.Call("fail", jsErr.Value) // JavaScript gets its own error back, as it was
		return appendFailure(failJS, "", "")
	}
	// JavaScript sees the Go listener's own message, its key apart.
	var le *signals.ListenerError
	var pe *signals.PanicError
	var te *PayloadError
	switch {
	case errors.As(err, &te):
		return appendFailure(failType, "", te.Error())
	case errors.As(err, &pe):
		return appendFailure(failPanic, pe.Key, err.Error())
	case errors.As(err, &le):
		return appendFailure(failGo, le.Key, le.Err.Error())
	}
	return appendFailure(failGo, "", err.Error())
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func appendFailure(kind int, key, msg string) uint32 {
	failure = binary.LittleEndian.AppendUint32(failure, uint32(kind))
	failure = binary.LittleEndian.AppendUint32(failure, uint32(len(key)))
	failure = binary.LittleEndian.AppendUint32(failure, uint32(len(msg)))
	failure = append(append(failure, key...), msg...)
	return 1
}

func serve() {
	connect()
	select {}
}

// connect takes the host, checks that it speaks this package's protocol,
// tells it about the signals registered so far and that Go is ready.
func connect() {
	host = js.Global().Get(hostGlobal)
	if host.IsUndefined() {
		panic("jsbridge: Serve: load this module with the edgesignals package's load()")
	}
	js.Global().Delete(hostGlobal)
	// hello lets JavaScript check Go's protocol and Go version (and report a
	// mismatch as load()'s error); Go checks JavaScript's, in case
	// JavaScript cannot.
	if host.Get("hello").Type() != js.TypeFunction {
		panic("jsbridge: the edgesignals package that loaded this module is too old for it: it has no bridge protocol " + strconv.Itoa(protocol))
	}
	theirs := host.Call("hello", protocol, runtime.Version(), exchangeAddress())
	if theirs.Type() == js.TypeString { // JavaScript refuses this module, and says why
		panic("jsbridge: " + theirs.String())
	}
	if theirs.Type() != js.TypeNumber || theirs.Int() != protocol {
		panic("jsbridge: the edgesignals package speaks bridge protocol " + js.Global().Call("String", theirs).String() +
			", this module protocol " + strconv.Itoa(protocol) + ": build the module against the jsbridge of the package's version")
	}
	served = true
	for _, f := range queued {
		f()
	}
	queued = nil
	host.Call("ready")
}
