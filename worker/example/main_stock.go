//go:build js && wasm && stock

package main

import (
	"context"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

// Built with -tags stock, the same pipeline runs on the stock glue of
// github.com/syumai/workers, which starts a Go program for every request:
// the edge benchmark compares the two.
func main() {
	workers.Serve(newPipeline(func(_ context.Context, name string) string { return cloudflare.Getenv(name) }))
}
