// A main package that serves, with the worker package imported by another name.
package main

import (
	"net/http"

	edge "github.com/edgesignals/edgesignals/worker"
)

func main() {
	edge.Serve(edge.New(http.NotFoundHandler(), nil))
}
