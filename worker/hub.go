package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
)

// Hub is a signal hub bound to the Worker: the Durable Object namespace of
// the SignalHub class of js/hub.mjs, under the binding called Binding (see
// docs/hub.md). It reaches the hub through a Durable Object stub from the
// runtime serving the request, so emitting costs one call to the hub
// object, not a Go start-up.
type Hub struct {
	Binding string // the name of the Durable Object namespace binding, such as "HUB"
}

// ErrNoHub is returned by [Hub.TryEmit] when ctx is not a Worker request's,
// or the Worker has no binding of that name.
var ErrNoHub = errors.New("worker: no hub binding here")

// HubError is a refusal by the hub: its HTTP status (413 for an event over
// the hub's limit) and message.
type HubError struct {
	Status  int
	Message string
}

func (e *HubError) Error() string {
	return fmt.Sprintf("worker: the hub refused the event (%d): %s", e.Status, e.Message)
}

// TryEmit sends payload, encoded with encoding/json, as the next event of
// the hub's signal name, and returns its seq once the hub stored it. It
// waits for the hub; ctx ending (the pipeline's Timeout, say) stops the
// wait, not the emit, which may still be stored. ctx must be a request's
// (or a Done listener's or WaitUntil task's of one).
func (h Hub) TryEmit(ctx context.Context, name string, payload any) (int64, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("worker: hub signal %q: %w", name, err)
	}
	return h.emit(ctx, name, body)
}

// Emit is TryEmit as a [WaitUntil] task: it returns at once, the Worker
// stays alive until the hub stored the event, and a failure is logged.
func (h Hub) Emit(ctx context.Context, name string, payload any) {
	WaitUntil(ctx, func(ctx context.Context) {
		if _, err := h.TryEmit(ctx, name, payload); err != nil {
			log.Printf("worker: emit on hub signal %q: %v", name, err)
		}
	})
}
