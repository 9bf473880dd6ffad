//go:build js && wasm

package jsbridge

import (
	"context"
	"encoding/binary"
	"errors"
	"syscall/js"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

// fakeHost stands in for web/src/bridge.js: a real JavaScript object whose
// methods record what Go tells it.
type fakeHost struct {
	obj   js.Value
	funcs []js.Func
	calls map[string][][]js.Value
}

func newFakeHost(t *testing.T) *fakeHost {
	h := &fakeHost{obj: js.Global().Get("Object").New(), calls: map[string][][]js.Value{}}
	for _, name := range []string{"listen", "export", "fail", "keys", "ready"} {
		f := js.FuncOf(func(_ js.Value, args []js.Value) any {
			h.calls[name] = append(h.calls[name], append([]js.Value(nil), args...))
			return nil
		})
		h.funcs = append(h.funcs, f)
		h.obj.Set(name, f)
	}
	t.Cleanup(func() {
		for _, f := range h.funcs {
			f.Release()
		}
	})
	return h
}

// last returns the arguments of the last call of name as Go strings.
func (h *fakeHost) last(name string) []string {
	calls := h.calls[name]
	if len(calls) == 0 {
		return nil
	}
	var out []string
	for _, a := range calls[len(calls)-1] {
		out = append(out, js.Global().Call("String", a).String()) // as JavaScript prints it
	}
	return out
}

// lastFailure reads the record that es_failure points to, as bridge.js reads
// it, and returns its message, the name bridge.js gives its kind, and its key.
func lastFailure(t *testing.T) []string {
	require.NotZero(t, esFailure())
	require.Equal(t, uintptr(esFailure()), uintptr(unsafe.Pointer(&failure[0])))
	kind := binary.LittleEndian.Uint32(failure)
	keyLen := binary.LittleEndian.Uint32(failure[4:])
	msgLen := binary.LittleEndian.Uint32(failure[8:])
	require.Len(t, failure, int(12+keyLen+msgLen))
	name := map[uint32]string{failGo: "GoError", failPanic: "PanicError", failType: "TypeError"}[kind]
	return []string{string(failure[12+keyLen:]), name, string(failure[12 : 12+keyLen])}
}

// connected resets the bridge's package state and connects it to a new fake host.
func connected(t *testing.T) *fakeHost {
	listeners, exports, served, queued = nil, nil, false, nil
	h := newFakeHost(t)
	js.Global().Set(hostGlobal, h.obj)
	connect()
	require.True(t, js.Global().Get(hostGlobal).IsUndefined(), "connect takes the host out of the global scope")
	require.Len(t, h.calls["ready"], 1)
	return h
}

// put writes a wire-format payload into buf and returns its length.
func put(v any) int32 {
	b := encode(v)
	esBuffer(int32(len(b)))
	return int32(copy(buf, b))
}

func TestListenBeforeAndAfterConnect(t *testing.T) {
	listeners, exports, served, queued = nil, nil, false, nil
	Listen("early", func(context.Context, float64) error { return nil }, "k1")
	h := newFakeHost(t)
	js.Global().Set(hostGlobal, h.obj)
	connect()
	assert.Equal(t, []string{"early", "0", "k1", "false"}, h.last("listen"), "registered before connect, told at connect")
	Listen("late", func(context.Context, string) error { return nil })
	assert.Equal(t, []string{"late", "1", "", "false"}, h.last("listen"))
	ListenAsync("waits", func(context.Context, string) error { return nil })
	assert.Equal(t, []string{"waits", "2", "", "true"}, h.last("listen"))
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

	assert.Equal(t, int32(0), esCall(0, kindNumber, 7, 0))
	assert.Equal(t, []int{7}, got)

	assert.Equal(t, int32(statusGoError), esCall(0, kindNumber, 1.5, 0))
	assert.Equal(t, []string{"jsbridge: payload is a fractional number, the listener takes int", "TypeError", ""}, lastFailure(t))

	assert.Equal(t, int32(statusGoError), esCall(0, kindNumber, -1, 0))
	assert.Equal(t, []string{"negative", "GoError", "numbers"}, lastFailure(t))

	assert.Equal(t, int32(statusGoError), esCall(0, kindNumber, 13, 0))
	assert.Equal(t, []string{"signals: listener \"numbers\" panicked: unlucky", "PanicError", "numbers"}, lastFailure(t),
		"a panic names its listener too")

	assert.Equal(t, int32(statusGoError), esCall(0, kindWire, 0, put("7")))
	assert.Equal(t, "TypeError", lastFailure(t)[1])

	assert.Equal(t, int32(statusGoError), esCall(99, kindNumber, 1, 0))
	assert.Equal(t, []string{"jsbridge: no Go listener with that id", "GoError", ""}, lastFailure(t))
	assert.Empty(t, h.calls["fail"], "Go's errors reach JavaScript through Go's memory, not host.fail")
	assert.Equal(t, int32(0), esCall(0, kindNumber, 8, 0), "the bridge works after every failure")
	assert.Equal(t, []int{7, 8}, got)
}

func TestStringAndWirePayloads(t *testing.T) {
	connected(t)
	var got []any
	Listen("any", func(_ context.Context, v any) error { got = append(got, v); return nil })
	n := copy(buf[:esBufferLen(int32(len("héllo")))], "héllo")
	assert.Equal(t, int32(0), esCall(0, kindString, 0, int32(n)))
	assert.Equal(t, int32(0), esCall(0, kindWire, 0, put(map[string]any{"id": 1.0, "tags": []any{"a"}})))
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

	assert.Equal(t, int32(0), esEmit(0, kindNumber, 2, 0))
	assert.Equal(t, int32(0), esTry(0, kindNumber, 3, 0))
	assert.Equal(t, 5.0, sum)
	assert.Equal(t, int32(statusGoError), esTry(0, kindNumber, -1, 0))
	assert.Equal(t, []string{"negative", "GoError", "adder"}, lastFailure(t))
	assert.Equal(t, int32(0), esEmit(0, kindNumber, -1, 0), "Emit ignores listener errors")

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
	assert.Equal(t, int32(0), esEmit(0, kindNumber, 4, 0))
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
	require.Equal(t, int32(0), esEmit(0, kindString, 0, int32(n)))
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
