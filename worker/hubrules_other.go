//go:build !js

package worker

import (
	"log"

	"github.com/edgesignals/edgesignals/signals"
)

// serveHubRules has no hub to serve outside a Worker.
func serveHubRules(rules *signals.SyncSignal[*HubAction]) {
	log.Fatal("worker: ServeHubRules serves a hub's rules only in a Worker (GOOS=js)")
}
