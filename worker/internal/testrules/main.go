// Command testrules is the Go program of the hub rules that
// worker/test/hub-rules.test.js runs inside the hub's Durable Object: who
// may connect (signal "private" needs ?token=secret), and what an event on
// a signal whose name starts with "rules" must be (an object with "n" >= 0),
// which it stamps with the emitter's identity. An event {"panic": true}
// makes its rule panic. worker/bench/hub.mjs runs it too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/edgesignals/edgesignals/signals"
	"github.com/edgesignals/edgesignals/worker"
)

func main() {
	rules := signals.NewSync[*worker.HubAction]()
	rules.AddListenerWithErr(admit, "admit")
	rules.AddListenerWithErr(checkEvent, "check-event")
	worker.ServeHubRules(rules)
}

// admit lets anyone connect but to "private", which needs the token; the
// user named in the query becomes the socket's identity.
func admit(ctx context.Context, a *worker.HubAction) error {
	if a.Kind != worker.HubConnect {
		return nil
	}
	if a.Signal == "private" && a.Query.Get("token") != "secret" {
		return errors.New("private: a token is needed")
	}
	a.Identity = a.Query.Get("user")
	return nil
}

// checkEvent validates the events of "rules..." and adds who sent them.
func checkEvent(ctx context.Context, a *worker.HubAction) error {
	if a.Kind != worker.HubEmit || !strings.HasPrefix(a.Signal, "rules") {
		return nil
	}
	var event map[string]any
	if err := json.Unmarshal(a.Data, &event); err != nil {
		return errors.New("rules: an event is a JSON object")
	}
	if event["panic"] == true {
		panic("asked to panic")
	}
	n, ok := event["n"].(float64)
	if !ok || n < 0 {
		return errors.New("rules: n must be a number >= 0")
	}
	event["by"] = a.Identity
	data, err := json.Marshal(event)
	a.Data = data
	return err
}
