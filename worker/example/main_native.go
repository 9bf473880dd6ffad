//go:build !js

package main

import (
	"context"
	"os"

	"github.com/edgesignals/edgesignals/worker"
)

func main() {
	worker.Serve(newPipeline(func(_ context.Context, name string) string { return os.Getenv(name) }))
}
