//go:build js && wasm

package worker

import (
	"context"
	"fmt"
	"syscall/js"
)

// emit sends body as the next event of the hub's signal name: a call of emitJSON on the
// signal's object through its stub (a Workers RPC, cheaper than a POST's
// Request and Response), which answers {seq} once the event is stored, or
// {status, error}.
func (h Hub) emit(ctx context.Context, name string, body []byte) (int64, error) {
	ns := Env(ctx)
	if ns.Type() == js.TypeObject {
		ns = ns.Get(h.Binding)
	}
	if ns.Type() != js.TypeObject {
		return 0, fmt.Errorf("%w: %q", ErrNoHub, h.Binding)
	}
	stub := ns.Call("getByName", name)
	answer, err := await(ctx, stub.Call("emitJSON", name, string(body)))
	if err != nil {
		return 0, fmt.Errorf("worker: hub signal %q: %w", name, err)
	}
	if seq := answer.Get("seq"); seq.Type() == js.TypeNumber {
		return int64(seq.Float()), nil
	}
	status, message := answer.Get("status"), answer.Get("error")
	if status.Type() != js.TypeNumber || message.Type() != js.TypeString {
		return 0, fmt.Errorf("worker: hub signal %q: the hub answered neither a seq nor an error", name)
	}
	return 0, &HubError{Status: status.Int(), Message: message.String()}
}

// await waits for promise to settle, or ctx to end. The callbacks release
// themselves when the promise settles, which may be after await returned.
func await(ctx context.Context, promise js.Value) (js.Value, error) {
	type settled struct {
		value js.Value
		err   error
	}
	done := make(chan settled, 1)
	var resolve, reject js.Func
	release := func() {
		resolve.Release()
		reject.Release()
	}
	resolve = js.FuncOf(func(_ js.Value, args []js.Value) any {
		release()
		done <- settled{value: args[0]}
		return nil
	})
	reject = js.FuncOf(func(_ js.Value, args []js.Value) any {
		release()
		done <- settled{err: jsError(args[0])}
		return nil
	})
	promise.Call("then", resolve, reject)
	select {
	case s := <-done:
		return s.value, s.err
	case <-ctx.Done():
		return js.Undefined(), context.Cause(ctx)
	}
}

// jsError turns a JavaScript rejection reason into a Go error.
func jsError(reason js.Value) error {
	if reason.Type() == js.TypeObject && reason.Get("message").Type() == js.TypeString {
		return fmt.Errorf("%s", reason.Get("message").String())
	}
	return fmt.Errorf("%s", reason.Call("toString").String())
}
