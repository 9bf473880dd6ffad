//go:build !js

package main

import (
	"net/http"

	"github.com/edgesignals/edgesignals/worker"
)

// addLoadTest: the queue load test needs D1 and a Queue (loadtest_js.go).
func addLoadTest(*http.ServeMux, *worker.Pipeline) {}
