//go:build js && wasm

package worker

import (
	"context"
	"syscall/js"
)

// Value is what [Env] returns: in a Worker (GOOS=js) it is syscall/js.Value
// itself, an alias, so code written for js.Value takes it as is. Built for
// any other platform it is an empty struct with no methods.
type Value = js.Value

// envKey marks the contexts of the requests Serve hands to the pipeline.
type envKey struct{}

// Env returns the env object (bindings, variables and secrets) of the
// Worker request whose context ctx is, or undefined outside one. It stays
// valid in the request's Done listeners and WaitUntil tasks. Outside
// js/wasm there is no Worker and no JavaScript: Env returns the zero Value,
// and a Go program reads its variables and secrets from the process
// environment (os.Getenv) instead.
func Env(ctx context.Context) Value {
	if ctx.Value(envKey{}) == nil {
		return js.Undefined()
	}
	// js/worker.mjs sets it for each request, and a Go program serves one
	// request at a time, from its start to the end of its WaitUntil tasks.
	return js.Global().Get("context").Get("env")
}
