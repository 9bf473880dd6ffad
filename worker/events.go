package worker

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math"
	"sync"
	"sync/atomic"
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

// HandleQueue runs the Queue listeners for every message of batch and
// returns once all are done: the error of message i is errs[i], nil if its
// listeners all succeeded. The messages run in order on the calling
// goroutine for as long as their listeners do not wait; when one waits (on
// JavaScript: D1, a fetch), the next message starts on another goroutine,
// so that the messages of a batch wait together, and listeners must be safe
// to call at once. The Worker's queue handler calls it, then acknowledges
// each message that succeeded and retries each one that failed (after the
// Delay of a [RetryError]), never the whole batch. WaitUntil tasks that the
// listeners start run on after it returns.
func (p *Pipeline) HandleQueue(ctx context.Context, batch []Message) (errs []error) {
	p.pending.add()
	defer p.pending.done()
	r := &queueRun{p: p, ctx: context.WithValue(ctx, pipelineKey{}, p), batch: batch, errs: make([]error, len(batch))}
	r.wg.Add(1)
	r.work()
	r.wg.Wait()
	return r.errs
}

// queueRun is one batch being run by HandleQueue.
type queueRun struct {
	p     *Pipeline
	ctx   context.Context
	batch []Message
	errs  []error
	next  atomic.Int64 // the index of the next message to start
	spare atomic.Bool  // a goroutine is ready to run work and has not started
	wg    sync.WaitGroup
}

// work runs the batch's messages that no other goroutine has started,
// until none is left. Before it starts a message that is not the last, it
// makes sure a spare goroutine is ready to run work too: Go runs that one
// when this one waits, and it takes the next message. Without waiting
// listeners the spare runs once the messages are done and finds none left,
// which costs a batch one goroutine switch instead of one a message.
func (r *queueRun) work() {
	defer r.wg.Done()
	r.spare.Store(false) // a spare running is no longer a spare
	for {
		i := int(r.next.Add(1) - 1)
		if i >= len(r.batch) {
			return
		}
		if i+1 < len(r.batch) && r.spare.CompareAndSwap(false, true) {
			r.wg.Add(1)
			r.p.goStep(r.work)
		}
		m := r.batch[i]
		if r.errs[i] = r.p.Queue.TryEmit(r.ctx, m); r.errs[i] != nil {
			log.Printf("worker: queue %s: message %s (attempt %d): %v", m.Queue, m.ID, m.Attempts, r.errs[i])
		}
	}
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

// The kinds of body, as js/worker.mjs writes them.
const (
	bodyText  = 't'
	bodyBytes = 'b'
	bodyJSON  = 'j'
)

// messageHead is the fixed part of a framed message: its timestamp in
// milliseconds (a float64), its attempts (a uint32) and its body's kind
// (one byte), little-endian as WebAssembly is.
const messageHead = 8 + 4 + 1

// readBatch reads the count messages of a batch from queue as the glue
// frames them in Go's memory: per message its head (see messageHead), then
// two fields (a 4-byte little-endian length, then that many bytes): the ID
// and the body. The batch is copied once, and the JSON and bytes bodies are
// parts of that copy. A batch of any other count than count is malformed.
func readBatch(queue string, b []byte, count int) ([]Message, error) {
	b = bytes.Clone(b)
	batch := make([]Message, 0, min(count, len(b)/(messageHead+8)))
	for len(b) > 0 {
		if len(b) < messageHead {
			return nil, errors.New("worker: malformed queue batch")
		}
		ms := math.Float64frombits(binary.LittleEndian.Uint64(b))
		attempts := binary.LittleEndian.Uint32(b[8:])
		kind := b[12]
		id, rest, ok := readField(b[messageHead:])
		var body []byte
		if ok {
			body, b, ok = readField(rest)
		}
		if !ok {
			return nil, errors.New("worker: malformed queue batch")
		}
		if math.IsNaN(ms) || math.IsInf(ms, 0) {
			return nil, fmt.Errorf("worker: message %s: bad timestamp %v", id, ms)
		}
		m := Message{Queue: queue, ID: string(id), Timestamp: time.UnixMilli(int64(ms)), Attempts: int(attempts)}
		switch kind {
		case bodyText:
			m.Body = string(body)
		case bodyBytes:
			m.Body = body[:len(body):len(body)] // an append must not run into the next message
		case bodyJSON:
			m.Body = json.RawMessage(body[:len(body):len(body)])
		default:
			return nil, fmt.Errorf("worker: message %s: unknown body kind %q", id, kind)
		}
		batch = append(batch, m)
	}
	// The glue settles message i with errs[i]: a batch that is not the
	// count it sent would settle the wrong messages.
	if len(batch) != count {
		return nil, fmt.Errorf("worker: malformed queue batch: %d messages, not %d", len(batch), count)
	}
	return batch, nil
}
