//go:build js && wasm && !stock

package main

import (
	"context"
	"syscall/js"

	"github.com/edgesignals/edgesignals/worker"
)

func main() {
	worker.Serve(newPipeline(func(ctx context.Context, name string) string {
		if v := worker.Env(ctx).Get(name); v.Type() == js.TypeString {
			return v.String()
		}
		return ""
	}))
}
