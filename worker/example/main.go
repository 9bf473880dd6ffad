//go:build js && wasm && !stock

package main

import (
	"context"
	"syscall/js"

	"github.com/edgesignals/edgesignals/worker"
)

func main() {
	worker.Serve(newPipeline(func(ctx context.Context) string {
		if token := worker.Env(ctx).Get("API_TOKEN"); token.Type() == js.TypeString {
			return token.String()
		}
		return ""
	}))
}
