//go:build js && wasm

package worker

import (
	"context"
	"encoding/json"
	"net/url"
	"syscall/js"

	"github.com/edgesignals/edgesignals/signals"
)

// serveHubRules hands js/hub.mjs a check function, which runs rules for
// one action.
func serveHubRules(rules *signals.SyncSignal[*HubAction]) {
	binding := js.Global().Get("context").Get("binding")
	// check(kind, signal, query, identity, data) returns
	// [ok, identity or refusal, data].
	binding.Set("check", js.FuncOf(func(_ js.Value, args []js.Value) any {
		query, _ := url.ParseQuery(args[2].String())
		a := &HubAction{
			Kind:     HubActionKind(args[0].Int()),
			Signal:   args[1].String(),
			Query:    query,
			Identity: args[3].String(),
		}
		if a.Kind == HubEmit {
			a.Data = json.RawMessage(args[4].String())
		}
		if err := checkHubAction(context.Background(), rules, a); err != nil {
			return []any{false, err.Error(), nil}
		}
		return []any{true, a.Identity, string(a.Data)}
	}))
	binding.Call("ready")
	select {}
}
