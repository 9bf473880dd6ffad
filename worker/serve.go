//go:build !js

package worker

import (
	"log"
	"net"
	"net/http"
	"os"
)

// Serve serves p over HTTP on 127.0.0.1, at the port in $PORT (8787 if
// unset, any free one if 0), and exits on error. It runs a Worker's Go
// code without a Workers runtime, for debugging; in a Worker (GOOS=js) it
// serves the Worker's requests instead.
func Serve(p *Pipeline) {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8787"
	}
	// Listen first, so that a port taken is said before any "serving on".
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		log.Fatalf("worker: cannot serve: %v (set PORT to another port)", err)
	}
	log.Printf("worker: serving on http://%s", ln.Addr())
	log.Fatal(http.Serve(ln, p))
}
