package signals_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

// TestSyncStress emits, adds, removes, resets and adds once-listeners from
// several goroutines for a bounded time, and checks that no emit missed a
// listener that was present all along and no once-listener ran twice. Run it
// under -race.
func TestSyncStress(t *testing.T) {
	duration := 300 * time.Millisecond
	if testing.Short() {
		duration = 50 * time.Millisecond
	}
	const workers = 4
	s := signals.NewSync[int]()
	// resets is odd while a Reset runs and changes around every Reset, so a
	// worker can tell whether one may have removed its listener.
	var resets atomic.Int64
	var onceCalls sync.Map // key -> *atomic.Int32
	var lost, checked atomic.Int64
	deadline := time.Now().Add(duration)

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				key := fmt.Sprintf("w%d-%d", w, i)
				// Payloads are unique, so that only this worker's emits can
				// set called: any other worker's emit reaches the listener too.
				payload := i*workers + w
				before := resets.Load()
				var called atomic.Bool
				listener := func(_ context.Context, p int) {
					if p == payload {
						called.Store(true)
					}
				}
				if s.AddListener(listener, key) < 0 {
					t.Errorf("fresh key %s reported as duplicate", key)
					return
				}
				count := new(atomic.Int32)
				onceCalls.Store(key, count)
				s.AddOnceWithKey(func(context.Context, int) { count.Add(1) }, "once-"+key)
				_ = s.TryEmit(context.Background(), payload)
				s.Emit(context.Background(), payload)
				if after := resets.Load(); after == before && before%2 == 0 {
					checked.Add(1)
					if !called.Load() {
						lost.Add(1)
					}
				}
				s.RemoveListener(key)
			}
		})
	}
	wg.Go(func() {
		for time.Now().Before(deadline) {
			resets.Add(1)
			s.Reset()
			resets.Add(1)
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()

	assert.Zero(t, lost.Load(), "emits that missed a listener present all along")
	assert.Positive(t, checked.Load())
	onceCalls.Range(func(key, count any) bool {
		if n := count.(*atomic.Int32).Load(); n > 1 {
			t.Errorf("once-listener %s ran %d times", key, n)
		}
		return true
	})
}

// TestAsyncStress checks that every emit of an async signal reaches every
// listener while listeners come and go, and that Wait drains them all.
func TestAsyncStress(t *testing.T) {
	const workers, emits = 4, 500
	s := newAsync(nil)
	var delivered atomic.Int64
	for i := range 3 {
		s.AddListener(func(context.Context, int) { delivered.Add(1) }, fmt.Sprint("stable", i))
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range emits {
				key := fmt.Sprintf("w%d-%d", w, i)
				s.AddListener(nop, key)
				s.AddOnce(nop)
				s.Emit(context.Background(), i)
				s.RemoveListener(key)
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Wait(ctx))
	assert.Equal(t, int64(3*workers*emits), delivered.Load())
}
