//go:build js && wasm

package worker

import (
	"context"
	"fmt"
	"strconv"
	"syscall/js"
)

// post emits body on the hub's signal name: a POST to the signal's object
// through its stub (js/hub.mjs answers {"seq": N}, and X-Hub-Seq: N, once
// stored).
func (h Hub) post(ctx context.Context, name string, body []byte) (int64, error) {
	ns := Env(ctx)
	if ns.Type() == js.TypeObject {
		ns = ns.Get(h.Binding)
	}
	if ns.Type() != js.TypeObject {
		return 0, fmt.Errorf("%w: %q", ErrNoHub, h.Binding)
	}
	stub := ns.Call("get", ns.Call("idFromName", name))
	init := map[string]any{
		"method":  "POST",
		"body":    string(body),
		"headers": map[string]any{"content-type": "application/json"},
	}
	response, err := await(ctx, stub.Call("fetch", "https://hub/"+name, init))
	if err != nil {
		return 0, fmt.Errorf("worker: hub signal %q: %w", name, err)
	}
	// A stored event's seq is in the head (X-Hub-Seq): no wait for the
	// body, which is dropped.
	if status := response.Get("status").Int(); status == 200 {
		seq, err := strconv.ParseInt(response.Get("headers").Call("get", "x-hub-seq").String(), 10, 64)
		response.Get("body").Call("cancel")
		if err != nil {
			return 0, fmt.Errorf("worker: hub signal %q: the hub answered without a seq", name)
		}
		return seq, nil
	}
	answer, err := await(ctx, response.Call("json"))
	if err != nil {
		return 0, fmt.Errorf("worker: hub signal %q: %w", name, err)
	}
	message := answer.Get("error")
	if message.Type() != js.TypeString {
		message = js.ValueOf("")
	}
	return 0, &HubError{Status: response.Get("status").Int(), Message: message.String()}
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
