package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

// frame builds a batch as js/worker.mjs writes it.
func frame(fields ...string) []byte {
	var b []byte
	for _, f := range fields {
		n := len(f)
		b = append(b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
		b = append(b, f...)
	}
	return b
}

func TestReadBatchDecodesEachBodyKind(t *testing.T) {
	b := frame(
		"m1", "1700000000123", "1", "text", "hello",
		"m2", "1700000000456.5", "3", "bytes", "\x00\xff",
		"m3", "1700000000789", "2", "json", `{"item":"tea","quantity":2}`,
		"m4", "1", "1", "text", "",
	)
	batch, err := readBatch("orders", b)
	require.NoError(t, err)
	require.Len(t, batch, 4)
	assert.Equal(t, Message{Queue: "orders", ID: "m1", Timestamp: time.UnixMilli(1700000000123), Attempts: 1, Body: "hello"}, batch[0])
	assert.Equal(t, []byte{0, 0xff}, batch[1].Body)
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
	good := frame("m1", "1", "1", "text", "hello")
	for name, b := range map[string][]byte{
		"a field cut short":   good[:len(good)-1],
		"a message cut short": frame("m1", "1", "1", "text"),
		"a length past the end": append(frame("m1", "1", "1", "text"),
			0xff, 0xff, 0xff, 0xff, 'x'),
		"a bad timestamp": frame("m1", "soon", "1", "text", ""),
		"bad attempts":    frame("m1", "1", "1.5", "text", ""),
		"an unknown kind": frame("m1", "1", "1", "v8", ""),
	} {
		_, err := readBatch("q", b)
		assert.Error(t, err, name)
	}
	batch, err := readBatch("q", nil)
	assert.NoError(t, err)
	assert.Empty(t, batch)
}
