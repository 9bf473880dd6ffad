//go:build !js && !wasip1

package signals_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

// The reliability tests run natively only (tier 1, under -race): at a
// million emits they would take minutes in the WebAssembly tiers.

// TestReliabilitySyncMillionEmits emits a million times from 8 goroutines
// while the same goroutines add and remove keyed listeners and once-
// listeners and reset the signal now and then, and checks that no emit missed
// a listener present all along and that no once-listener ran twice.
func TestReliabilitySyncMillionEmits(t *testing.T) {
	const workers, perWorker = 8, 125_000
	s := signals.NewSync[int]()
	// resets is odd while a Reset runs and changes around every Reset, so a
	// worker can tell whether one may have removed its listener.
	var resets atomic.Int64
	var lost, checked, twice atomic.Int64
	// Each worker resets the signal every resetEvery emits, while the others
	// go on emitting. Counting emits rather than time keeps the share of
	// emits that overlap a Reset small however slow the machine is: at most
	// one per worker per Reset.
	const resetEvery = 1024

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			key := fmt.Sprint("w", w)
			// Payloads are unique, so only this worker's emit can set hit.
			var current atomic.Int64
			var hit atomic.Bool
			listener := func(_ context.Context, p int) {
				if int64(p) == current.Load() {
					hit.Store(true)
				}
			}
			for i := range perWorker {
				if i%resetEvery == resetEvery-1 {
					resets.Add(1)
					s.Reset()
					resets.Add(1)
				}
				payload := w*perWorker + i
				current.Store(int64(payload))
				hit.Store(false)
				before := resets.Load()
				s.RemoveListener(key) // a Reset may have removed it already
				s.AddListener(listener, key)
				var once atomic.Int32
				if i%8 == 0 {
					s.AddOnce(func(context.Context, int) {
						if once.Add(1) > 1 {
							twice.Add(1)
						}
					})
				}
				if i%2 == 0 {
					s.Emit(context.Background(), payload)
				} else {
					_ = s.TryEmit(context.Background(), payload)
				}
				if after := resets.Load(); after == before && before%2 == 0 {
					checked.Add(1)
					if !hit.Load() {
						lost.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()

	assert.Zero(t, lost.Load(), "emits that missed a listener present all along")
	assert.Zero(t, twice.Load(), "once-listeners that ran twice")
	assert.Greater(t, checked.Load(), int64(workers*perWorker/2), "too few emits checked: Reset ran nearly always")
}

// TestReliabilityAsyncDrains emits 200,000 times from 8 goroutines to an
// async signal whose listeners come and go, and checks that after Wait every
// emit reached every stable listener and the goroutines are gone.
func TestReliabilityAsyncDrains(t *testing.T) {
	const workers, perWorker, stable = 8, 25_000, 2
	before := runtime.NumGoroutine()
	s := newAsync(nil)
	var delivered, onceAdded, onceCalls atomic.Int64
	for i := range stable {
		s.AddListener(func(context.Context, int) { delivered.Add(1) }, fmt.Sprint("stable", i))
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				key := fmt.Sprintf("w%d-%d", w, i%16)
				s.AddListener(nop, key)
				if i%16 == 0 {
					onceAdded.Add(1)
					s.AddOnce(func(context.Context, int) { onceCalls.Add(1) })
				}
				s.Emit(context.Background(), i)
				s.RemoveListener(key)
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.Wait(ctx))
	assert.Equal(t, int64(stable*workers*perWorker), delivered.Load(), "lost async deliveries")
	assert.Equal(t, onceAdded.Load(), onceCalls.Load(), "once-listeners not run exactly once")

	// Finished listener goroutines may still be on their way out.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines left after draining")
}
