// Package peers measures signals against github.com/asaskevich/EventBus, a
// popular Go event bus, with the plain loop of signals/bench_test.go as
// common baseline, all in one process so that each ratio pairs figures of
// the same run. It lives in the bench module so that EventBus never becomes
// a dependency of the library.
package peers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/asaskevich/EventBus"

	"github.com/edgesignals/edgesignals/signals"
)

var sizes = []int{1, 10, 100}

// sink keeps the listeners' work from being optimised away, without the
// full barrier of an atomic store.
var sink int

//go:noinline
func work(_ context.Context, v int) { sink = v }

//go:noinline
func workErr(_ context.Context, v int) error { sink = v; return nil }

//go:noinline
func handler(v int) { sink = v }

// plainEmit is the baseline: a panic-safe loop over plain listeners.
//
//go:noinline
func plainEmit(ctx context.Context, fs []func(context.Context, int), v int) {
	defer func() { _ = recover() }()
	for _, f := range fs {
		f(ctx, v)
	}
}

func BenchmarkPeerEmit(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("plain/n=%d", n), func(b *testing.B) {
			fs := make([]func(context.Context, int), n)
			for i := range fs {
				fs[i] = work
			}
			for b.Loop() {
				plainEmit(ctx, fs, 1)
			}
		})
		b.Run(fmt.Sprintf("signals/n=%d", n), func(b *testing.B) {
			s := signals.NewSync[int]()
			for range n {
				s.AddListener(work)
			}
			for b.Loop() {
				s.Emit(ctx, 1)
			}
		})
		b.Run(fmt.Sprintf("signals-TryEmit/n=%d", n), func(b *testing.B) {
			s := signals.NewSync[int]()
			for range n {
				s.AddListenerWithErr(workErr)
			}
			for b.Loop() {
				if err := s.TryEmit(ctx, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("EventBus/n=%d", n), func(b *testing.B) {
			bus := EventBus.New()
			for range n {
				if err := bus.Subscribe("t", handler); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				bus.Publish("t", 1)
			}
		})
	}
}

// BenchmarkPeerAsyncEmit starts every listener on a goroutine of its own
// and waits for them all, per emit.
func BenchmarkPeerAsyncEmit(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("go-statement/n=%d", n), func(b *testing.B) {
			var wg sync.WaitGroup
			for b.Loop() {
				for range n {
					wg.Go(func() { work(ctx, 1) })
				}
				wg.Wait()
			}
		})
		b.Run(fmt.Sprintf("signals/n=%d", n), func(b *testing.B) {
			var s signals.AsyncSignal[int]
			for range n {
				s.AddListener(work)
			}
			for b.Loop() {
				s.Emit(ctx, 1)
				s.Wait(ctx)
			}
		})
		b.Run(fmt.Sprintf("EventBus/n=%d", n), func(b *testing.B) {
			bus := EventBus.New()
			for range n {
				if err := bus.SubscribeAsync("t", handler, false); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				bus.Publish("t", 1)
				bus.WaitAsync()
			}
		})
	}
}

// BenchmarkPeerParallelEmit emits with 10 listeners from GOMAXPROCS
// goroutines; run it with -cpu 1,2,8.
func BenchmarkPeerParallelEmit(b *testing.B) {
	b.Run("signals", func(b *testing.B) {
		s := signals.NewSync[int]()
		for range 10 {
			s.AddListener(func(context.Context, int) {})
		}
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				s.Emit(ctx, 1)
			}
		})
	})
	b.Run("EventBus", func(b *testing.B) {
		bus := EventBus.New()
		for range 10 {
			bus.Subscribe("t", func(int) {})
		}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				bus.Publish("t", 1)
			}
		})
	})
}
