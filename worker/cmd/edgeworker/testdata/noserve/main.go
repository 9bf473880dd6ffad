// A main package that builds a pipeline and never serves it.
package main

import (
	"net/http"

	"github.com/edgesignals/edgesignals/worker"
)

func main() {
	_ = worker.New(http.NotFoundHandler(), nil)
}
