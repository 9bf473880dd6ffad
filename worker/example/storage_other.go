//go:build !js

package main

import "context"

// storageFor returns the storage of a request: natively, memory.
func storageFor(context.Context) storage { return memory }

// kvCounts returns the rate limiter's counts in KV: natively there is none.
func kvCounts(context.Context) rateCounts { return nil }
