//go:build !js

package main

import (
	"context"
	"os"

	"github.com/edgesignals/edgesignals/worker"
)

func main() {
	worker.Serve(newPipeline(func(context.Context) string { return os.Getenv("API_TOKEN") }))
}
