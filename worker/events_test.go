package worker

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgesignals/edgesignals/signals"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandleScheduledRunsEveryListenerAndJoinsTheirFailures(t *testing.T) {
	p := New(http.NotFoundHandler(), nil)
	ev := ScheduledEvent{Cron: "*/5 * * * *", Time: time.UnixMilli(1_700_000_000_000)}
	var got sync.Map
	p.Scheduled.AddListenerWithErr(func(ctx context.Context, e ScheduledEvent) error {
		got.Store("ok", e)
		return nil
	}, "ok")
	p.Scheduled.AddListenerWithErr(func(ctx context.Context, e ScheduledEvent) error {
		got.Store("failing", e)
		return errors.New("rollup failed")
	}, "failing")
	p.Scheduled.AddListenerWithErr(func(ctx context.Context, e ScheduledEvent) error {
		got.Store("panicking", e)
		panic("cron listener panics")
	}, "panicking")

	err := p.HandleScheduled(context.Background(), ev)
	require.Error(t, err)
	assert.ErrorContains(t, err, "rollup failed")
	var panicked *signals.PanicError
	require.ErrorAs(t, err, &panicked)
	assert.Equal(t, "cron listener panics", panicked.Value)
	for _, key := range []string{"ok", "failing", "panicking"} {
		e, ok := got.Load(key)
		require.True(t, ok, "listener %s did not run", key)
		assert.Equal(t, ev, e)
	}
	// The pipeline serves on after a failed event.
	p.Scheduled.Reset()
	assert.NoError(t, p.HandleScheduled(context.Background(), ev))
}

func TestHandleScheduledLeavesWaitUntilTasksRunning(t *testing.T) {
	p := New(http.NotFoundHandler(), nil)
	release := make(chan struct{})
	var finished atomic.Bool
	p.Scheduled.AddListener(func(ctx context.Context, e ScheduledEvent) {
		WaitUntil(ctx, func(context.Context) {
			<-release
			finished.Store(true)
		})
	})
	require.NoError(t, p.HandleScheduled(context.Background(), ScheduledEvent{Cron: "0 * * * *"}))
	looked, look := context.WithCancel(context.Background())
	look()
	assert.Error(t, p.Wait(looked), "the WaitUntil task is not counted as pending")
	close(release)
	require.NoError(t, p.Wait(context.Background()))
	assert.True(t, finished.Load())
}

func TestHandleQueueSettlesEachMessageAlone(t *testing.T) {
	p := New(http.NotFoundHandler(), nil)
	var mu sync.Mutex
	steps := map[string][]string{}
	p.Queue.AddListenerWithErr(func(ctx context.Context, m Message) error {
		mu.Lock()
		steps[m.ID] = append(steps[m.ID], "decode")
		mu.Unlock()
		switch n, _ := strconv.Atoi(m.ID); {
		case n%10 == 3:
			return &RetryError{Delay: 1500 * time.Millisecond, Err: errors.New("not yet")}
		case n%10 == 7:
			panic("message " + m.ID)
		case n%10 == 9:
			return errors.New("broken")
		}
		return nil
	}, "decode")
	p.Queue.AddListenerWithErr(func(ctx context.Context, m Message) error {
		mu.Lock()
		steps[m.ID] = append(steps[m.ID], "store")
		mu.Unlock()
		return nil
	}, "store")

	batch := make([]Message, 100)
	for i := range batch {
		batch[i] = Message{Queue: "orders", ID: strconv.Itoa(i), Attempts: 1, Body: "x"}
	}
	errs := p.HandleQueue(context.Background(), batch)
	require.Len(t, errs, len(batch))
	for i, err := range errs {
		id := strconv.Itoa(i)
		switch i % 10 {
		case 3:
			assert.Equal(t, 2, retryDelay(err), "message %d", i)
			assert.ErrorContains(t, err, "not yet")
		case 7:
			var panicked *signals.PanicError
			assert.ErrorAs(t, err, &panicked, "message %d", i)
			assert.Equal(t, 0, retryDelay(err))
		case 9:
			assert.ErrorContains(t, err, "broken")
			assert.Equal(t, 0, retryDelay(err))
		default:
			assert.NoError(t, err, "message %d", i)
			assert.Equal(t, []string{"decode", "store"}, steps[id], "message %d", i)
			continue
		}
		assert.Equal(t, []string{"decode"}, steps[id], "a failed message went on to the next step")
	}
}

func TestHandleQueueRunsMessagesConcurrently(t *testing.T) {
	p := New(http.NotFoundHandler(), nil)
	// Every message waits for the others: one at a time would deadlock.
	const n = 20
	var arrived sync.WaitGroup
	arrived.Add(n)
	p.Queue.AddListener(func(ctx context.Context, m Message) {
		arrived.Done()
		arrived.Wait()
	})
	batch := make([]Message, n)
	errs := p.HandleQueue(context.Background(), batch)
	for _, err := range errs {
		assert.NoError(t, err)
	}
}

func TestHandleQueueRunsMessagesInOrderWhileListenersDoNotWait(t *testing.T) {
	// One P, as in a Worker: the spare goroutine runs only when a listener
	// waits, and none does here.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	p := New(http.NotFoundHandler(), nil)
	var order []string
	p.Queue.AddListener(func(ctx context.Context, m Message) {
		order = append(order, m.ID)
	})
	batch := make([]Message, 100)
	want := make([]string, len(batch))
	for i := range batch {
		batch[i].ID = strconv.Itoa(i)
		want[i] = batch[i].ID
	}
	p.HandleQueue(context.Background(), batch)
	assert.Equal(t, want, order)
}

func TestRetryDelayRoundsUpToSeconds(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("plain"), 0},
		{&RetryError{}, 0},
		{&RetryError{Delay: -time.Second}, 0},
		{&RetryError{Delay: time.Millisecond}, 1},
		{&RetryError{Delay: time.Second}, 1},
		{fmt.Errorf("wrapped: %w", &RetryError{Delay: 90 * time.Second}), 90},
	} {
		assert.Equal(t, c.want, retryDelay(c.err), "%v", c.err)
	}
}

// message is a message as js/worker.mjs frames it.
type message struct {
	ms       float64
	attempts uint32
	kind     byte
	id, body string
}

// frame builds a batch as js/worker.mjs writes it.
func frame(messages ...message) []byte {
	var b []byte
	for _, m := range messages {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.ms))
		b = binary.LittleEndian.AppendUint32(b, m.attempts)
		b = append(b, m.kind)
		b = appendField(b, m.id)
		b = appendField(b, m.body)
	}
	return b
}

func TestReadBatchDecodesEachBodyKind(t *testing.T) {
	b := frame(
		message{1700000000123, 1, 't', "m1", "hello"},
		message{1700000000456.5, 3, 'b', "m2", "\x00\xff"},
		message{1700000000789, 2, 'j', "m3", `{"item":"tea","quantity":2}`},
		message{1, 1, 't', "m4", ""},
	)
	batch, err := readBatch("orders", b, 4)
	require.NoError(t, err)
	require.Len(t, batch, 4)
	assert.Equal(t, Message{Queue: "orders", ID: "m1", Timestamp: time.UnixMilli(1700000000123), Attempts: 1, Body: "hello"}, batch[0])
	assert.Equal(t, []byte{0, 0xff}, batch[1].Body)
	assert.Equal(t, time.UnixMilli(1700000000456), batch[1].Timestamp)
	assert.Equal(t, 3, batch[1].Attempts)
	assert.Equal(t, json.RawMessage(`{"item":"tea","quantity":2}`), batch[2].Body)
	assert.Equal(t, "", batch[3].Body)

	var order struct {
		Item     string
		Quantity int
	}
	require.NoError(t, batch[2].Decode(&order))
	assert.Equal(t, "tea", order.Item)
	assert.Equal(t, 2, order.Quantity)
	// Text and bytes holding JSON decode too; anything else is an error.
	var n int
	require.NoError(t, Message{Body: "42"}.Decode(&n))
	assert.Equal(t, 42, n)
	assert.ErrorContains(t, batch[0].Decode(&n), "message m1")
	assert.ErrorContains(t, Message{ID: "x", Body: 3}.Decode(&n), "type int is not JSON")
}

func TestReadBatchRefusesMalformedFrames(t *testing.T) {
	good := frame(message{1, 1, 't', "m1", "hello"})
	for name, b := range map[string][]byte{
		"a field cut short":     good[:len(good)-1],
		"a head cut short":      good[:messageHead-1],
		"a message cut short":   good[:messageHead+4+2],
		"a length past the end": append(good[:messageHead+4+2:messageHead+4+2], 0xff, 0xff, 0xff, 0xff, 'x'),
		"a bad timestamp":       frame(message{math.NaN(), 1, 't', "m1", ""}),
		"an endless timestamp":  frame(message{math.Inf(1), 1, 't', "m1", ""}),
		"an unknown kind":       frame(message{1, 1, 'v', "m1", ""}),
		"more than counted":     frame(message{1, 1, 't', "m1", ""}, message{1, 1, 't', "m2", ""}),
		"fewer than counted":    nil,
	} {
		_, err := readBatch("q", b, 1)
		assert.Error(t, err, name)
	}
	batch, err := readBatch("q", nil, 0)
	assert.NoError(t, err)
	assert.Empty(t, batch)
}

func TestReadBatchBodiesDoNotShareRoom(t *testing.T) {
	batch, err := readBatch("q", frame(message{1, 1, 'j', "m1", "[1]"}, message{1, 1, 'b', "m2", "ab"}), 2)
	require.NoError(t, err)
	// Bodies are parts of one copy of the batch: an append to one must not
	// write over the next (25 bytes reach the body of m2).
	_ = append(batch[0].Body.(json.RawMessage), bytes.Repeat([]byte("x"), 25)...)
	assert.Equal(t, "m2", batch[1].ID)
	assert.Equal(t, []byte("ab"), batch[1].Body)
}
