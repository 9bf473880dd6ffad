package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"strconv"
	"sync"
	"time"
)

// ScheduledEvent is a Cron Trigger firing, as the Worker's scheduled
// handler receives it.
type ScheduledEvent struct {
	Cron string    // the cron expression that fired, as in wrangler.toml's [triggers]
	Time time.Time // when it was scheduled to fire
}

// Message is one message of a Queue batch, as the Worker's queue handler
// receives it. Delivery is at least once: the same message (same ID) may
// come again, after a retry or when the platform could not record an
// acknowledgement, so a listener whose effect must happen once records the
// IDs it has handled (in D1, say, with the ID as a unique key) and skips
// the ones it finds there.
type Message struct {
	Queue     string    // the name of the queue it came from
	ID        string    // unique per message, the same on every delivery
	Timestamp time.Time // when it was sent
	Attempts  int       // deliveries so far, this one included: 1 the first time
	// Body is the body as the producer sent it: a string for text, []byte
	// for bytes, and for any other value its JSON encoding as a
	// json.RawMessage (decode it with [Message.Decode]). JavaScript hands a
	// JSON string over as a string, so a JSON "hello" arrives as text.
	Body any
}

// Decode decodes the body as JSON into v: a JSON body, or text or bytes
// that hold JSON.
func (m Message) Decode(v any) error {
	var data []byte
	switch b := m.Body.(type) {
	case json.RawMessage:
		data = b
	case []byte:
		data = b
	case string:
		data = []byte(b)
	default:
		return fmt.Errorf("worker: message %s: a body of type %T is not JSON", m.ID, m.Body)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("worker: message %s: %w", m.ID, err)
	}
	return nil
}

// RetryError asks for a message to be delivered again after Delay: a Queue
// listener returns one (or an error wrapping one) for a failure that time
// may mend. Any other error retries the message at once, or after the
// queue's configured retry delay.
type RetryError struct {
	Delay time.Duration // rounded up to whole seconds; at most 12 hours on Cloudflare
	Err   error         // the cause, for logs and errors.Is/As
}

// Error returns the delay and, if there is one, the cause.
func (e *RetryError) Error() string {
	msg := "worker: retry in " + e.Delay.String()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *RetryError) Unwrap() error { return e.Err }

// HandleScheduled runs the Scheduled listeners for ev, each on its own
// goroutine, and returns when they all have, with their errors and panics
// joined. The Worker's scheduled handler calls it: an error fails the
// invocation, which Cloudflare records and retries. WaitUntil tasks that
// the listeners start run on after it returns.
func (p *Pipeline) HandleScheduled(ctx context.Context, ev ScheduledEvent) error {
	p.pending.add()
	defer p.pending.done()
	ctx = context.WithValue(ctx, pipelineKey{}, p)
	if err := p.Scheduled.TryEmit(ctx, ev); err != nil {
		log.Printf("worker: scheduled %q: %v", ev.Cron, err)
		return err
	}
	return nil
}

// HandleQueue runs the Queue listeners for every message of batch, each
// message on its own goroutine (idle ones are reused, with the stacks
// they grew), and returns once all are done: the error
// of message i is errs[i], nil if its listeners all succeeded. The
// Worker's queue handler calls it, then acknowledges each message that
// succeeded and retries each one that failed (after the Delay of a
// [RetryError]), never the whole batch. WaitUntil tasks that the listeners
// start run on after it returns.
func (p *Pipeline) HandleQueue(ctx context.Context, batch []Message) (errs []error) {
	p.pending.add()
	defer p.pending.done()
	ctx = context.WithValue(ctx, pipelineKey{}, p)
	errs = make([]error, len(batch))
	var wg sync.WaitGroup
	wg.Add(len(batch))
	for i := range batch {
		p.goStep(func() {
			defer wg.Done()
			if errs[i] = p.Queue.TryEmit(ctx, batch[i]); errs[i] != nil {
				log.Printf("worker: queue %s: message %s (attempt %d): %v", batch[i].Queue, batch[i].ID, batch[i].Attempts, errs[i])
			}
		})
	}
	wg.Wait()
	return errs
}

// retryDelay is how long a message whose listeners returned err waits
// before its next delivery, in whole seconds: 0 for no delay of our own.
func retryDelay(err error) int {
	var retry *RetryError
	if !errors.As(err, &retry) || retry.Delay <= 0 {
		return 0
	}
	return int((retry.Delay + time.Second - 1) / time.Second)
}

// readBatch reads the messages of a batch from queue as the glue frames
// them in Go's memory: per message five fields (a 4-byte little-endian
// length, then that many bytes): the ID, the timestamp in milliseconds, the
// attempts, the body's kind ("text", "bytes" or "json") and the body.
func readBatch(queue string, b []byte) ([]Message, error) {
	var batch []Message
	for len(b) > 0 {
		var f [5][]byte
		for i := range f {
			var ok bool
			if f[i], b, ok = readField(b); !ok {
				return nil, errors.New("worker: malformed queue batch")
			}
		}
		m, err := newMessage(queue, f[0], f[1], f[2], f[3], f[4])
		if err != nil {
			return nil, err
		}
		batch = append(batch, m)
	}
	return batch, nil
}

// newMessage builds a Message from its framed fields; the body is copied.
func newMessage(queue string, id, timestamp, attempts, kind, body []byte) (Message, error) {
	ms, err := strconv.ParseFloat(string(timestamp), 64)
	if err != nil {
		return Message{}, fmt.Errorf("worker: message %s: bad timestamp %q", id, timestamp)
	}
	n, err := strconv.Atoi(string(attempts))
	if err != nil {
		return Message{}, fmt.Errorf("worker: message %s: bad attempts %q", id, attempts)
	}
	m := Message{Queue: queue, ID: string(id), Timestamp: time.UnixMilli(int64(ms)), Attempts: n}
	switch string(kind) {
	case "text":
		m.Body = string(body)
	case "bytes":
		m.Body = bytes.Clone(body)
	case "json":
		m.Body = json.RawMessage(bytes.Clone(body))
	default:
		return Message{}, fmt.Errorf("worker: message %s: unknown body kind %q", id, kind)
	}
	return m, nil
}
