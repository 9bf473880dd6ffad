package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/edgesignals/edgesignals/signals"
)

// EventStream writes Server-Sent Events (what a browser's EventSource
// reads) to a response that streams: each Send is flushed to the client.
type EventStream struct {
	w http.ResponseWriter
	f http.Flusher
}

// NewEventStream starts an event stream on w: it sends the status and the
// headers (Content-Type text/event-stream, Cache-Control no-cache) at once.
// It fails if w cannot flush.
func NewEventStream(w http.ResponseWriter) (*EventStream, error) {
	f, ok := w.(http.Flusher)
	if !ok {
		return nil, errors.New("worker: the response cannot stream (no http.Flusher)")
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f.Flush()
	return &EventStream{w: w, f: f}, nil
}

// Send writes one event and flushes it: id (the browser sends the last one
// it got back as the Last-Event-ID header when it reconnects; "" for none),
// name (the EventSource event type; "" is "message") and data, sent as it
// is if a string, as JSON otherwise. An id or name must be one line. Send
// fails once the client has gone away.
func (s *EventStream) Send(id, name string, data any) error {
	if strings.ContainsAny(id+name, "\r\n\x00") {
		return fmt.Errorf("worker: an event id or name of more than one line: %q, %q", id, name)
	}
	text, ok := data.(string)
	if !ok {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		text = string(b)
	}
	var b strings.Builder
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	if name != "" {
		b.WriteString("event: " + name + "\n")
	}
	for line := range strings.Lines(strings.ReplaceAll(text, "\r\n", "\n")) {
		b.WriteString("data: " + strings.TrimSuffix(line, "\n") + "\n")
	}
	if text == "" {
		b.WriteString("data: \n")
	}
	b.WriteString("\n")
	if _, err := s.w.Write([]byte(b.String())); err != nil {
		return err
	}
	s.f.Flush()
	return nil
}

// Retry tells the browser how long to wait before it reconnects, once this
// stream has ended (EventSource's default is about 3 s).
func (s *EventStream) Retry(d time.Duration) error {
	if _, err := fmt.Fprintf(s.w, "retry: %d\n\n", d.Milliseconds()); err != nil {
		return err
	}
	s.f.Flush()
	return nil
}

// LastEventID is the id of the last event a reconnecting EventSource got,
// "" on its first connection: a stream that resumes sends what came after.
func LastEventID(r *http.Request) string { return r.Header.Get("Last-Event-ID") }

// ErrTooSlow ends [StreamSignal] for a client that read more slowly than
// the signal emitted: it reconnects, and resumes with Last-Event-ID.
var ErrTooSlow = errors.New("worker: the client read the event stream too slowly")

// streams numbers the listener keys of StreamSignal.
var streams atomic.Int64

// StreamSignal streams the payloads emitted on sig to the client as
// Server-Sent Events, each with the id that id gives it, until the
// request's context ends (the client went away): it returns then, with
// nil, having removed its listener. Emitting never waits for the client:
// up to buffer payloads wait for it, and a client further behind is sent
// no more (ErrTooSlow); its EventSource reconnects with the last id it got,
// from which the handler can resume (see [LastEventID]).
func StreamSignal[T any](w http.ResponseWriter, r *http.Request, sig signals.Signal[T], buffer int, id func(T) string) error {
	stream, err := NewEventStream(w)
	if err != nil {
		return err
	}
	events := make(chan T, max(buffer, 1))
	overflow := make(chan struct{})
	var closed atomic.Bool
	key := "worker.StreamSignal#" + strconv.FormatInt(streams.Add(1), 10)
	sig.AddListener(func(ctx context.Context, v T) {
		select {
		case events <- v:
		default:
			if closed.CompareAndSwap(false, true) {
				close(overflow)
			}
		}
	}, key)
	defer sig.RemoveListener(key)
	for {
		select {
		case v := <-events:
			if err := stream.Send(id(v), "", v); err != nil {
				return nil // the client went away
			}
		case <-overflow:
			return ErrTooSlow
		case <-r.Context().Done():
			return nil
		}
	}
}
