package signals_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

func newAsync(opts *signals.SignalOptions) *signals.AsyncSignal[int] {
	return signals.NewWithOptions[int](opts)
}

func TestAsyncEmitReturnsAtOnce(t *testing.T) {
	s := newAsync(nil)
	release := make(chan struct{})
	finished := make(chan int, 1)
	s.AddListener(func(_ context.Context, v int) { <-release; finished <- v })
	s.Emit(context.Background(), 7) // would block forever if it ran the listener inline
	close(release)
	require.NoError(t, s.Wait(context.Background()))
	assert.Equal(t, 7, <-finished)
}

func TestAsyncListenersRunConcurrently(t *testing.T) {
	// Every listener waits until all have started, which only works if each
	// has a goroutine of its own, keyed or not, whatever their number.
	const n = 20
	s := newAsync(nil)
	var started sync.WaitGroup
	started.Add(n)
	for i := range n {
		key := ""
		if i%2 == 0 {
			key = string(rune('a' + i))
		}
		s.AddListener(func(context.Context, int) { started.Done(); started.Wait() }, key)
	}
	s.Emit(context.Background(), 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Wait(ctx))
}

func TestAsyncEmitWithDoneContextRunsNothing(t *testing.T) {
	s := newAsync(nil)
	var calls atomic.Int32
	s.AddListener(func(context.Context, int) { calls.Add(1) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Emit(ctx, 0)
	assert.ErrorIs(t, s.TryEmit(ctx, 0), context.Canceled)
	require.NoError(t, s.Wait(context.Background()))
	assert.Zero(t, calls.Load())
}

func TestAsyncTryEmitJoinsErrors(t *testing.T) {
	s := newAsync(nil)
	errA, errB := errors.New("a failed"), errors.New("b failed")
	var calls atomic.Int32
	s.AddListenerWithErr(func(context.Context, int) error { calls.Add(1); return errA }, "a")
	s.AddListener(func(context.Context, int) { calls.Add(1) })
	s.AddListenerWithErr(func(context.Context, int) error { calls.Add(1); return errB })
	s.AddListener(func(context.Context, int) { calls.Add(1); panic("c panicked") }, "c")

	err := s.TryEmit(context.Background(), 0)
	assert.Equal(t, int32(4), calls.Load(), "all listeners ran, failures do not stop the others")
	assert.ErrorIs(t, err, errA)
	assert.ErrorIs(t, err, errB)
	var pe *signals.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "c", pe.Key)
	var le *signals.ListenerError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "a", le.Key)

	s.Reset()
	s.AddListenerWithErr(nopErr)
	assert.NoError(t, s.TryEmit(context.Background(), 0))
}

func TestAsyncEmitSendsErrorsAndPanicsToOnError(t *testing.T) {
	var mu sync.Mutex
	var reported []error
	s := newAsync(&signals.SignalOptions{OnError: func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	}})
	s.AddListenerWithErr(func(context.Context, int) error { return io.EOF }, "reader")
	s.AddListener(func(context.Context, int) { panic("boom") }, "bomb")
	s.AddListenerWithErr(nopErr)
	s.Emit(context.Background(), 0)
	require.NoError(t, s.Wait(context.Background()))

	require.Len(t, reported, 2)
	keys := map[string]bool{}
	for _, err := range reported {
		var le *signals.ListenerError
		var pe *signals.PanicError
		switch {
		case errors.As(err, &pe):
			keys[pe.Key] = true
			assert.Equal(t, "boom", pe.Value)
		case errors.As(err, &le):
			keys[le.Key] = true
			assert.ErrorIs(t, err, io.EOF)
		}
	}
	assert.Equal(t, map[string]bool{"reader": true, "bomb": true}, keys)
}

func TestAsyncMaxConcurrent(t *testing.T) {
	const n, limit = 12, 3
	s := newAsync(&signals.SignalOptions{MaxConcurrent: limit})
	var running, peak, calls atomic.Int32
	release := make(chan struct{})
	for range n {
		s.AddListener(func(context.Context, int) {
			now := running.Add(1)
			for {
				old := peak.Load()
				if now <= old || peak.CompareAndSwap(old, now) {
					break
				}
			}
			<-release
			running.Add(-1)
			calls.Add(1)
		})
	}
	s.Emit(context.Background(), 0) // returns although most listeners must wait
	// Hold the release until limit listeners run, and give the others every
	// chance to start too: without the bound they would, and peak would show
	// it. Releasing at once instead could let each goroutine run alone.
	for running.Load() < limit {
		runtime.Gosched()
	}
	for range 1000 {
		runtime.Gosched()
	}
	close(release)
	require.NoError(t, s.Wait(context.Background()))
	assert.Equal(t, int32(n), calls.Load())
	assert.Equal(t, int32(limit), peak.Load())
}

func TestAsyncWaitDrainsAndHonoursContext(t *testing.T) {
	s := newAsync(nil)
	assert.NoError(t, s.Wait(context.Background()), "nothing running")

	release := make(chan struct{})
	var done atomic.Bool
	s.AddListener(func(context.Context, int) { <-release; done.Store(true) })
	s.Emit(context.Background(), 0)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, s.Wait(ctx), context.DeadlineExceeded, "the listener is still blocked")

	close(release)
	require.NoError(t, s.Wait(context.Background()))
	assert.True(t, done.Load(), "Wait returned only after the listener did")
}

func TestAsyncAddOnceUnderConcurrentEmits(t *testing.T) {
	s := newAsync(nil)
	var calls atomic.Int32
	s.AddOnce(func(context.Context, int) { calls.Add(1) })
	s.AddOnce(func(context.Context, int) { calls.Add(1) })
	s.Emit(context.Background(), 0)
	assert.Equal(t, 0, s.Len(), "claimed and removed by Emit itself, not later by its goroutines")
	s.AddOnce(func(context.Context, int) { calls.Add(1) })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				s.Emit(context.Background(), 0)
			}
		})
	}
	wg.Wait()
	require.NoError(t, s.Wait(context.Background()))
	assert.Equal(t, int32(3), calls.Load())
	assert.Equal(t, 0, s.Len())
}

func TestSyncAddOnceUnderConcurrentEmits(t *testing.T) {
	s := signals.NewSync[int]()
	var calls atomic.Int32
	s.AddOnceWithKey(func(context.Context, int) { calls.Add(1) }, "once")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				_ = s.TryEmit(context.Background(), 0)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load())
	assert.False(t, s.HasKey("once"))
}

func TestAsyncReentrancy(t *testing.T) {
	s := newAsync(nil)
	var nested atomic.Int32
	s.AddListener(func(ctx context.Context, depth int) {
		if depth < 3 {
			s.AddListener(nop)
			s.Emit(ctx, depth+1)
		}
		nested.Add(1)
	}, "recursive")
	s.Emit(context.Background(), 0)
	require.NoError(t, s.Wait(context.Background()))
	assert.Greater(t, nested.Load(), int32(3))
	assert.Equal(t, 4, s.Len())
}
