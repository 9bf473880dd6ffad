package signals_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgesignals/edgesignals/signals"
)

// The baselines are what any panic-safe emitter must pay: a function that is
// not inlined and ranges over plain listeners under one deferred recover.
// The TryEmit baselines also return a panic as an error.

//go:noinline
func plainEmit(ctx context.Context, fs []func(context.Context, int), v int) {
	defer func() { _ = recover() }()
	for _, f := range fs {
		f(ctx, v)
	}
}

//go:noinline
func plainTryEmitNoErr(ctx context.Context, fs []func(context.Context, int), v int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	for _, f := range fs {
		f(ctx, v)
	}
	return nil
}

//go:noinline
func plainTryEmit(ctx context.Context, fs []func(context.Context, int) error, v int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	for _, f := range fs {
		if err := f(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// sink keeps the listeners' work from being optimised away. It is a plain
// variable: an atomic store is a full barrier that would dwarf what is measured.
var sink int

//go:noinline
func work(_ context.Context, v int) { sink = v }

//go:noinline
func workErr(_ context.Context, v int) error { sink = v; return nil }

var sizes = []int{1, 10, 100}

// The sync benchmarks measure an emit and its baseline in one benchmark, in
// alternating chunks of a few µs each (see paired): on a shared machine, two
// benchmarks run one after the other can see a different machine, and their
// ratio says more about the neighbours than about the code.

// BenchmarkSyncEmit runs Emit over listeners that cannot fail (added with
// AddListener) against plainEmit.
func BenchmarkSyncEmit(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("keyed=%v/n=%d", keyed, n), func(b *testing.B) {
				paired(b, n, func() (base, sig func(k int)) {
					fs := make([]func(context.Context, int), n)
					s := signals.NewSync[int]()
					for i := range n {
						fs[i] = work
						s.AddListener(work, key(keyed, i))
					}
					return func(k int) {
							for range k {
								plainEmit(ctx, fs, 1)
							}
						}, func(k int) {
							for range k {
								s.Emit(ctx, 1)
							}
						}
				})
			})
		}
	}
}

// BenchmarkSyncTryEmit runs TryEmit over listeners that can fail (added with
// AddListenerWithErr) against plainTryEmit.
func BenchmarkSyncTryEmit(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("keyed=%v/n=%d", keyed, n), func(b *testing.B) {
				paired(b, n, func() (base, sig func(k int)) {
					fs := make([]func(context.Context, int) error, n)
					s := signals.NewSync[int]()
					for i := range n {
						fs[i] = workErr
						s.AddListenerWithErr(workErr, key(keyed, i))
					}
					return func(k int) {
							for range k {
								_ = plainTryEmit(ctx, fs, 1)
							}
						}, func(k int) {
							for range k {
								_ = s.TryEmit(ctx, 1)
							}
						}
				})
			})
		}
	}
}

// BenchmarkSyncTryEmitNoErr runs TryEmit over listeners that cannot fail
// (added with AddListener) against plainTryEmitNoErr.
func BenchmarkSyncTryEmitNoErr(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("keyed=%v/n=%d", keyed, n), func(b *testing.B) {
				paired(b, n, func() (base, sig func(k int)) {
					fs := make([]func(context.Context, int), n)
					s := signals.NewSync[int]()
					for i := range n {
						fs[i] = work
						s.AddListener(work, key(keyed, i))
					}
					return func(k int) {
							for range k {
								_ = plainTryEmitNoErr(ctx, fs, 1)
							}
						}, func(k int) {
							for range k {
								_ = s.TryEmit(ctx, 1)
							}
						}
				})
			})
		}
	}
}

// paired runs b.N calls of base and b.N of sig (each runs k calls of what it
// measures) in alternating chunks of 2000/n calls, a few µs each, so that the
// two see the same machine. Every 64 pairs of chunks, setup makes base and sig
// anew: fresh allocations land elsewhere in memory, and on this machine the
// placement alone moves a loop's time by up to 40%, the plain loop's as much
// as the signal's. The median chunk of a block of 64 gives the block's time per
// call (a chunk that a preemption hit counts no more than any other); ns/op
// and plain-ns/op are the means over the blocks, so over many placements, and
// x-plain is ns/op over plain-ns/op. allocs/op counts both loops; the
// baselines allocate nothing.
func paired(b *testing.B, n int, setup func() (base, sig func(k int))) {
	const block = 64
	chunk := max(1, 2000/n)
	baseChunks := make([]float64, 0, block) // ns per call, in this block
	sigChunks := make([]float64, 0, block)
	var baseSum, sigSum float64 // over the blocks, of their medians
	blocks := 0
	endBlock := func() {
		baseSum += median(baseChunks)
		sigSum += median(sigChunks)
		blocks++
		baseChunks, sigChunks = baseChunks[:0], sigChunks[:0]
	}
	var base, sig func(k int)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		if len(baseChunks) == block {
			endBlock()
		}
		if len(baseChunks) == 0 {
			b.StopTimer()
			base, sig = setup()
			b.StartTimer()
		}
		k := min(chunk, b.N-done)
		var tb, ts time.Duration
		if len(baseChunks)%2 == 0 {
			tb, ts = timed(base, k), timed(sig, k)
		} else {
			ts, tb = timed(sig, k), timed(base, k)
		}
		baseChunks = append(baseChunks, float64(tb)/float64(k))
		sigChunks = append(sigChunks, float64(ts)/float64(k))
	}
	b.StopTimer()
	endBlock()
	b.ReportMetric(sigSum/float64(blocks), "ns/op")
	b.ReportMetric(baseSum/float64(blocks), "plain-ns/op")
	b.ReportMetric(sigSum/baseSum, "x-plain")
}

func timed(f func(k int), k int) time.Duration {
	start := time.Now()
	f(k)
	return time.Since(start)
}

// median sorts v and returns its middle value.
func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

func key(keyed bool, i int) string {
	if !keyed {
		return ""
	}
	return fmt.Sprintf("listener-%d", i)
}

// BenchmarkAsyncEmit compares an AsyncSignal's Emit with starting each
// listener with a bare go statement. Results are per emit.
func BenchmarkAsyncEmit(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("go-statement/n=%d", n), func(b *testing.B) {
			var ran atomic.Int64
			fs := make([]func(context.Context, int), n)
			for i := range fs {
				fs[i] = func(context.Context, int) { ran.Add(1) }
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range fs {
					go f(ctx, 1)
				}
			}
			for ran.Load() != int64(b.N*n) {
				runtime.Gosched()
			}
		})
		for _, keyed := range []bool{false, true} {
			b.Run(fmt.Sprintf("signals/keyed=%v/n=%d", keyed, n), func(b *testing.B) {
				var ran atomic.Int64
				var s signals.AsyncSignal[int]
				for i := range n {
					s.AddListener(func(context.Context, int) { ran.Add(1) }, key(keyed, i))
				}
				b.ReportAllocs()
				for b.Loop() {
					s.Emit(ctx, 1)
				}
				if err := s.Wait(ctx); err != nil || ran.Load() != int64(b.N*n) {
					b.Fatalf("ran %d of %d listener calls, Wait: %v", ran.Load(), b.N*n, err)
				}
			})
		}
	}
}

// BenchmarkParallelEmit emits on one SyncSignal with 10 listeners from
// GOMAXPROCS goroutines; run it with -cpu 1,2,8.
func BenchmarkParallelEmit(b *testing.B) {
	s := signals.NewSync[int]()
	for range 10 {
		s.AddListener(func(context.Context, int) {})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			s.Emit(ctx, 1)
		}
	})
}

// BenchmarkAddRemove adds and removes one keyed listener on a signal that
// already has n: the cost of a copy-on-write update.
func BenchmarkAddRemove(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s := signals.NewSync[int]()
			for i := range n {
				s.AddListener(work, key(true, i))
			}
			b.ReportAllocs()
			for b.Loop() {
				s.AddListener(work, "extra")
				s.RemoveListener("extra")
			}
		})
	}
}
