//go:build !js

package main

import "context"

// storageFor returns the storage of a request: natively, memory.
func storageFor(context.Context) storage { return memory }
