//go:build js && wasm

package jsbridge

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"strconv"
	"syscall/js"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

// fakeHost stands in for web/src/bridge.js: a real JavaScript object whose
// methods record what Go tells it. They are JavaScript functions, as
// bridge.js's are: a js.FuncOf would run Go inside Go's call to JavaScript,
// where the test's own goroutine could run on and end the program.
type fakeHost struct {
	obj js.Value
}

var makeFakeHost = js.Global().Get("Function").New("protocol", `
	const calls = {};
	const record = (name, result) => (...args) => { (calls[name] ??= []).push(args); return result; };
	return { calls, hello: record('hello', protocol), listen: record('listen'), export: record('export'),
		fail: record('fail'), settle: record('settle'), keys: record('keys'), ready: record('ready') };`)

func newFakeHost(*testing.T) *fakeHost {
	return &fakeHost{obj: makeFakeHost.Invoke(protocol)}
}

// calls returns the arguments of each call of name.
func (h *fakeHost) calls(name string) [][]js.Value {
	list := h.obj.Get("calls").Get(name)
	if list.IsUndefined() {
		return nil
	}
	out := make([][]js.Value, list.Length())
	for i := range out {
		args := list.Index(i)
		for j := range args.Length() {
			out[i] = append(out[i], args.Index(j))
		}
	}
	return out
}

// last returns the arguments of the last call of name as Go strings.
func (h *fakeHost) last(name string) []string {
	calls := h.calls(name)
	if len(calls) == 0 {
		return nil
	}
	var out []string
	for _, a := range calls[len(calls)-1] {
		out = append(out, js.Global().Call("String", a).String()) // as JavaScript prints it
	}
	return out
}

// lastFailure reads the record that the exchange block points to, as
// bridge.js reads it, and returns its message, the name bridge.js gives its
// kind, and its key.
func lastFailure(t *testing.T) []string {
	return lastFailureAt(t, ex.failure)
}

func lastFailureAt(t *testing.T, address uint32) []string {
	all := failuresAt(t, address)
	require.Len(t, all, 1)
	return all[0]
}

// failuresAt reads every error of the failure record at address.
func failuresAt(t *testing.T, address uint32) [][]string {
	require.NotZero(t, address)
	require.Equal(t, uintptr(address), uintptr(unsafe.Pointer(&failure[0])))
	count := binary.LittleEndian.Uint32(failure)
	rest := failure[8:] // after the count and the joined flag
	var all [][]string
	for range count {
		kind := binary.LittleEndian.Uint32(rest)
		keyLen := binary.LittleEndian.Uint32(rest[4:])
		msgLen := binary.LittleEndian.Uint32(rest[8:])
		name := map[uint32]string{failGo: "GoError", failPanic: "PanicError", failType: "TypeError", failJS: "JavaScript"}[kind]
		all = append(all, []string{string(rest[12+keyLen : 12+keyLen+msgLen]), name, string(rest[12 : 12+keyLen])})
		rest = rest[12+keyLen+msgLen:]
	}
	require.Empty(t, rest)
	return all
}

// connected resets the bridge's package state and connects it to a new fake host.
func connected(t *testing.T) *fakeHost {
	listeners, exports, served, queued = nil, nil, false, nil
	h := newFakeHost(t)
	js.Global().Set(hostGlobal, h.obj)
	connect()
	require.True(t, js.Global().Get(hostGlobal).IsUndefined(), "connect takes the host out of the global scope")
	require.Len(t, h.calls("ready"), 1)
	return h
}

// put writes a wire-format payload into buf and returns its length.
func put(v any) int32 {
	b := encode(v)
	esBuffer(int32(len(b)))
	return int32(copy(buf, b))
}

var calls int32

// call runs export (esCall, esEmit, esTry) for target as bridge.js does,
// through the exchange block, and returns the status the call ended with.
func call(export func(), target, kind int32, num float64, n int32) int32 {
	calls++
	ex = exchange{target: target, call: calls, kind: kind, n: n, num: num}
	export()
	if ex.ended != calls {
		return -1 // still running: bridge.js would call es_pending
	}
	return ex.status
}

func TestListenBeforeAndAfterConnect(t *testing.T) {
	listeners, exports, served, queued = nil, nil, false, nil
	Listen("early", func(context.Context, float64) error { return nil }, "k1")
	h := newFakeHost(t)
	js.Global().Set(hostGlobal, h.obj)
	connect()
	assert.Equal(t, []string{"early", "0", "k1"}, h.last("listen"), "registered before connect, told at connect")
	Listen("late", func(context.Context, string) error { return nil })
	assert.Equal(t, []string{"late", "1", ""}, h.last("listen"))
	hello := h.last("hello")
	assert.Equal(t, []string{strconv.Itoa(protocol), runtime.Version(), strconv.Itoa(int(exchangeAddress()))}, hello)
}

func TestCallGoListener(t *testing.T) {
	h := connected(t)
	var got []int
	Listen("n", func(_ context.Context, n int) error {
		switch n {
		case 13:
			panic("unlucky")
		case -1:
			return errors.New("negative")
		}
		got = append(got, n)
		return nil
	}, "numbers")

	assert.Equal(t, int32(0), call(esCall, 0, kindNumber, 7, 0))
	assert.Equal(t, []int{7}, got)

	assert.Equal(t, int32(statusFailed), call(esCall, 0, kindNumber, 1.5, 0))
	assert.Equal(t, []string{"jsbridge: payload is a fractional number, the listener takes int", "TypeError", ""}, lastFailure(t))

	assert.Equal(t, int32(statusFailed), call(esCall, 0, kindNumber, -1, 0))
	assert.Equal(t, []string{"negative", "GoError", "numbers"}, lastFailure(t))

	assert.Equal(t, int32(statusFailed), call(esCall, 0, kindNumber, 13, 0))
	assert.Equal(t, []string{"signals: listener \"numbers\" panicked: unlucky", "PanicError", "numbers"}, lastFailure(t),
		"a panic names its listener too")

	assert.Equal(t, int32(statusFailed), call(esCall, 0, kindWire, 0, put("7")))
	assert.Equal(t, "TypeError", lastFailure(t)[1])

	assert.Equal(t, int32(statusFailed), call(esCall, 99, kindNumber, 1, 0))
	assert.Equal(t, []string{"jsbridge: no Go listener with that id", "GoError", ""}, lastFailure(t))
	assert.Empty(t, h.calls("fail"), "Go's errors reach JavaScript through Go's memory, not host.fail")
	assert.Equal(t, int32(0), call(esCall, 0, kindNumber, 8, 0), "the bridge works after every failure")
	assert.Equal(t, []int{7, 8}, got)
}

func TestStringAndWirePayloads(t *testing.T) {
	connected(t)
	var got []any
	Listen("any", func(_ context.Context, v any) error { got = append(got, v); return nil })
	n := copy(buf[:esBufferLen(int32(len("héllo")))], "héllo")
	assert.Equal(t, int32(0), call(esCall, 0, kindString, 0, int32(n)))
	assert.Equal(t, int32(0), call(esCall, 0, kindWire, 0, put(map[string]any{"id": 1.0, "tags": []any{"a"}})))
	assert.Equal(t, []any{"héllo", map[string]any{"id": 1.0, "tags": []any{"a"}}}, got)
}

func esBufferLen(n int32) int32 { esBuffer(n); return n }

func TestExport(t *testing.T) {
	h := connected(t)
	s := signals.NewSync[float64]()
	var sum float64
	s.AddListenerWithErr(func(_ context.Context, v float64) error {
		if v < 0 {
			return errors.New("negative")
		}
		sum += v
		return nil
	}, "adder")
	Export("sum", s)
	assert.Equal(t, []string{"sum", "0", "false"}, h.last("export"))

	assert.Equal(t, int32(0), call(esEmit, 0, kindNumber, 2, 0))
	assert.Equal(t, int32(0), call(esTry, 0, kindNumber, 3, 0))
	assert.Equal(t, 5.0, sum)
	assert.Equal(t, int32(statusFailed), call(esTry, 0, kindNumber, -1, 0))
	assert.Equal(t, []string{"negative", "GoError", "adder"}, lastFailure(t))
	assert.Equal(t, int32(0), call(esEmit, 0, kindNumber, -1, 0), "Emit ignores listener errors")

	// A JavaScript listener, staged as bridge.js stages it.
	var seen []float64
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		seen = append(seen, args[0].Float())
		return nil
	})
	defer fn.Release()
	h.obj.Set("staged", fn)
	keyLen := int32(copy(buf[:esBufferLen(5)], "js:ok"))
	assert.Equal(t, int32(2), esAdd(0, keyLen, false))
	assert.Equal(t, int32(-1), esAdd(0, keyLen, false), "duplicate key")
	assert.Equal(t, int32(0), call(esEmit, 0, kindNumber, 4, 0))
	assert.Equal(t, []float64{4}, seen)
	assert.Equal(t, int32(2), esLen(0))
	esKeys(0)
	assert.Equal(t, []string{"adder\x00js:ok"}, h.last("keys"))
	assert.Equal(t, int32(1), esRemove(0, keyLen))
	esReset(0)
	assert.Equal(t, int32(0), esLen(0))
	assert.Equal(t, int32(-1), esLen(7), "unknown handle")
}

func TestExportAsyncRunsListenersBeforeReturning(t *testing.T) {
	connected(t)
	s := signals.New[string]()
	done := make(chan string, 1)
	s.AddListener(func(_ context.Context, v string) { done <- v })
	Export("async", s)
	n := copy(buf[:esBufferLen(2)], "hi")
	require.Equal(t, int32(0), call(esEmit, 0, kindString, 0, int32(n)))
	select {
	case v := <-done:
		assert.Equal(t, "hi", v)
	default:
		t.Fatal("the async listener had not run when es_emit returned")
	}
}

func TestToJS(t *testing.T) {
	v, err := toJS(map[string]any{"b": []byte{1, 2}, "list": []any{1.0, nil, true}})
	require.NoError(t, err)
	assert.Equal(t, 2, v.Get("b").Length())
	assert.True(t, v.Get("list").Index(1).IsNull())
	_, err = toJS(struct{}{})
	assert.Error(t, err)
}

func TestCallFromInsideGoIsPendingAndSettles(t *testing.T) {
	h := connected(t)
	release := make(chan error)
	var got []float64
	Listen("n", func(ctx context.Context, n float64) error {
		got = append(got, n)
		return <-release
	}, "waits")
	calls++
	ex = exchange{target: 0, call: calls, kind: kindNumber, num: 5, flags: callNested}
	esCall()
	require.Equal(t, calls, ex.ended)
	require.Equal(t, int32(statusPending), ex.status, "a call from inside Go never runs on the export's goroutine")
	assert.Empty(t, got, "the listener runs once the caller yields")
	release <- errors.New("slow and wrong") // the listener has started and waits for this
	for range 100 {
		if len(h.calls("settle")) > 0 {
			break
		}
		runtime.Gosched()
	}
	require.Len(t, h.calls("settle"), 1)
	settled := h.last("settle")
	assert.Equal(t, []string{strconv.Itoa(int(calls)), strconv.Itoa(statusFailed), strconv.Itoa(int(failureAddress()))}, settled)
	assert.Equal(t, []string{"slow and wrong", "GoError", "waits"}, lastFailureAt(t, failureAddress()))
	assert.Empty(t, pending, "a settled call is forgotten")
}

func TestCancelEndsThePendingCallsContext(t *testing.T) {
	h := connected(t)
	Listen("n", func(ctx context.Context, _ float64) error {
		<-ctx.Done()
		return ctx.Err()
	})
	calls++
	ex = exchange{target: 0, call: calls, kind: kindNumber, flags: callNested | callAbortable}
	esCall()
	require.Equal(t, int32(statusPending), ex.status)
	runtime.Gosched() // the listener starts and waits for its context
	esCancel(calls)
	esCancel(calls) // twice is harmless
	esCancel(12345) // as is an unknown call
	for range 100 {
		if len(h.calls("settle")) > 0 {
			break
		}
		runtime.Gosched()
	}
	require.Len(t, h.calls("settle"), 1)
	assert.Equal(t, []string{"context canceled", "GoError", ""}, lastFailureAt(t, failureAddress()))
}

func TestJavaScriptListenersLearnTheirCall(t *testing.T) {
	h := connected(t)
	s := signals.NewSync[float64]()
	Export("s", s)
	var seen [][2]float64
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		seen = append(seen, [2]float64{args[0].Float(), args[1].Float()})
		return nil
	})
	defer fn.Release()
	h.obj.Set("staged", fn)
	require.Equal(t, int32(1), esAdd(0, 0, false))
	require.Equal(t, int32(0), call(esTry, 0, kindNumber, 7, 0))
	require.NoError(t, s.TryEmit(context.Background(), 8))
	assert.Equal(t, [][2]float64{{7, float64(calls)}, {8, 0}}, seen, "the call's number, or 0 for Go's own emits")
}

func TestConnectRefusesAnotherProtocol(t *testing.T) {
	listeners, exports, served, queued = nil, nil, false, nil
	h := newFakeHost(t)
	h.obj.Set("hello", js.Global().Get("Function").New("return "+strconv.Itoa(protocol+1)))
	js.Global().Set(hostGlobal, h.obj)
	assert.PanicsWithValue(t, "jsbridge: the edgesignals package speaks bridge protocol "+strconv.Itoa(protocol+1)+
		", this module protocol "+strconv.Itoa(protocol)+": build the module against the jsbridge of the package's version", connect)
	assert.Empty(t, h.calls("ready"))

	h.obj.Delete("hello")
	js.Global().Set(hostGlobal, h.obj)
	assert.PanicsWithValue(t, "jsbridge: the edgesignals package that loaded this module is too old for it: it has no bridge protocol "+
		strconv.Itoa(protocol), connect)
}

func TestListenAndExportRefuseTypesThatNeverConvert(t *testing.T) {
	connected(t)
	assert.PanicsWithValue(t, `jsbridge: Listen("ticks"): `+unconvertible[chan int](), func() {
		Listen("ticks", func(context.Context, chan int) error { return nil })
	})
	assert.PanicsWithValue(t, `jsbridge: Export("ticks"): `+unconvertible[chan int]()+
		"; nor does a chan int convert to JavaScript: implement jsbridge.Marshaler", func() {
		Export[chan int]("ticks", signals.NewSync[chan int]())
	})
	assert.NotPanics(t, func() { Export("labels", signals.NewSync[label]()) }, "a Marshaler that JavaScript only listens to")
}

type label struct{ text string }

func (l label) MarshalJS() any { return l.text }

type badMarshaler struct{}

func (badMarshaler) MarshalJS() any { return make(chan int) }

func TestToJSSaysWhatDoesNotConvert(t *testing.T) {
	_, err := toJS(badMarshaler{})
	assert.EqualError(t, err, "jsbridge: jsbridge.badMarshaler.MarshalJS returned a value of type chan int, which does not "+
		"convert to JavaScript: return nil, a bool, float64, float32, int, int64, string, []byte, []any, map[string]any or a jsbridge.Marshaler")
	_, err = toJS(map[string]any{"p": struct{ X int }{1}})
	assert.EqualError(t, err, "jsbridge: a Go payload of type struct { X int } does not convert to JavaScript: implement jsbridge.Marshaler on it")
	_, err = toJS(int64(1<<53 + 1))
	assert.EqualError(t, err, "jsbridge: a Go payload int64 9007199254740993 is beyond ±2^53, which JavaScript numbers do not hold exactly")
	v, err := toJS(label{"x"})
	require.NoError(t, err)
	assert.Equal(t, "x", v.String())
}

func TestAnAsyncSignalsFailuresReachJavaScriptAll(t *testing.T) {
	connected(t)
	s := signals.New[float64]()
	s.AddListenerWithErr(func(context.Context, float64) error { return errors.New("a failed") }, "a")
	s.AddListener(func(context.Context, float64) {}, "b")
	s.AddListener(func(context.Context, float64) { panic("c panicked") }, "c")
	Export("s", s)
	require.Equal(t, int32(statusFailed), call(esTry, 0, kindNumber, 1, 0))
	assert.Equal(t, [][]string{
		{"a failed", "GoError", "a"},
		{`signals: listener "c" panicked: c panicked`, "PanicError", "c"},
	}, failuresAt(t, ex.failure))
}
