//go:build !js

package worker

import "context"

// Value is what [Env] returns: in a Worker (GOOS=js) it is syscall/js.Value
// itself, an alias, so code written for js.Value takes it as is. Built for
// any other platform, as here, there is no JavaScript, and Value is an
// empty struct with no methods: code that reads a Worker's env builds for
// js/wasm only (worker/example's main.go; its main_native.go reads the
// process environment instead).
type Value struct{}

// Env returns the env object (bindings, variables and secrets) of the
// Worker request whose context ctx is, or undefined outside one. It stays
// valid in the request's Done listeners and WaitUntil tasks. Outside
// js/wasm there is no Worker and no JavaScript: Env returns the zero Value,
// and a Go program reads its variables and secrets from the process
// environment (os.Getenv) instead.
func Env(ctx context.Context) Value { return Value{} }
