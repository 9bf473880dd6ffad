//go:build !js

package worker

import (
	"log"
	"net/http"
	"os"
)

// Serve serves p over HTTP on 127.0.0.1, at the port in $PORT (8787 if
// unset), and exits on error. It runs a Worker's Go code without a
// Workers runtime, for debugging; in a Worker (GOOS=js) it serves the
// Worker's requests instead.
func Serve(p *Pipeline) {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8787"
	}
	addr := "127.0.0.1:" + port
	log.Printf("worker: serving on http://%s", addr)
	log.Fatal(http.ListenAndServe(addr, p))
}
