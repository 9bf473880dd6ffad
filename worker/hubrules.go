package worker

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/edgesignals/edgesignals/signals"
)

// HubActionKind says what a client of a signal hub is doing.
type HubActionKind int

const (
	// HubConnect is a client opening a WebSocket on a signal, or POSTing an
	// event (before the emit's own action).
	HubConnect HubActionKind = iota + 1
	// HubEmit is one event a client emits.
	HubEmit
)

// HubAction is one action of a client of a signal hub, as the hub's rules
// see it (see [ServeHubRules]).
type HubAction struct {
	Kind   HubActionKind
	Signal string // the signal's name
	// Query is the query of the client's URL: a token, for instance
	// (browsers cannot set headers on a WebSocket).
	Query url.Values
	// Identity is set by the rules of a HubConnect, and kept with the
	// socket for the rules of its emits: a user id, say. At most
	// MaxHubIdentity bytes.
	Identity string
	// Data is the event of a HubEmit, as JSON. A rule may replace it with
	// other valid JSON, and the hub stores and sends that instead.
	Data json.RawMessage
}

// ServeHubRules makes rules the rules of a signal hub, and never returns.
// It is the main of a Go program that the hub's Durable Object class runs
// in a Go runtime of its own (static options = { rules: module } in
// js/hub.mjs, which the edgeworker command's -hub-rules writes; see
// docs/hub.md): for every client action, the hub calls rules'
// TryEmit with a [HubAction], and the first error refuses that action, its
// message sent to the client (a WebSocket closed with 1008 for a refused
// HubConnect, a "nack" frame for a refused HubEmit, 403 for a POST). A
// rule that panics refuses the one action it ran for.
//
// Rules run synchronously inside the hub object, one action at a time:
// they must not wait for JavaScript (timers, fetch, promises). Built for
// anything but GOOS=js there is no hub to serve: ServeHubRules logs so and
// exits. Test rules natively by calling rules.TryEmit with a [HubAction].
func ServeHubRules(rules *signals.SyncSignal[*HubAction]) {
	serveHubRules(rules)
}

// MaxHubIdentity is the longest HubAction.Identity: it is kept in the
// socket's attachment, which holds at most 2 KB.
const MaxHubIdentity = 1024

// ErrHubIdentity refuses an action whose rules set an Identity over
// MaxHubIdentity bytes.
var ErrHubIdentity = errors.New("worker: hub identity over 1,024 bytes")

// checkHubAction runs rules for a; it returns the error that refuses the
// action, or nil. A panicking rule refuses the action it was run for, with
// a message that names the rule but not its panic value or stack.
func checkHubAction(ctx context.Context, rules *signals.SyncSignal[*HubAction], a *HubAction) error {
	err := rules.TryEmit(ctx, a)
	var panicked *signals.PanicError
	if errors.As(err, &panicked) {
		return errors.New("worker: hub rule " + quoteKey(panicked.Key) + " failed")
	}
	if err == nil && len(a.Identity) > MaxHubIdentity {
		return ErrHubIdentity
	}
	if err == nil && a.Kind == HubEmit && !json.Valid(a.Data) {
		return errors.New("worker: a hub rule replaced the event with invalid JSON")
	}
	return err
}

func quoteKey(key string) string {
	if key == "" {
		return "(unkeyed)"
	}
	return `"` + key + `"`
}
