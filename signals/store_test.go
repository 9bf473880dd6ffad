package signals_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

// Both kinds satisfy Signal.
var (
	_ signals.Signal[int] = (*signals.SyncSignal[int])(nil)
	_ signals.Signal[int] = (*signals.AsyncSignal[int])(nil)
)

func nop(context.Context, int) {}

func nopErr(context.Context, int) error { return nil }

// eachKind runs a test against a sync and an async signal.
func eachKind(t *testing.T, test func(t *testing.T, s signals.Signal[int])) {
	t.Run("sync", func(t *testing.T) { test(t, signals.NewSync[int]()) })
	t.Run("async", func(t *testing.T) { test(t, signals.New[int]()) })
}

func TestAddListenerCounts(t *testing.T) {
	eachKind(t, func(t *testing.T, s signals.Signal[int]) {
		assert.Equal(t, 1, s.AddListener(nop))
		assert.Equal(t, 2, s.AddListener(nop), "unkeyed listeners never clash")
		assert.Equal(t, 3, s.AddListener(nop, ""), `"" means no key`)
		assert.Equal(t, 4, s.AddListener(nop, "a"))
		assert.Equal(t, -1, s.AddListener(nop, "a"), "duplicate key")
		assert.Equal(t, -1, s.AddListenerWithErr(nopErr, "a"), "duplicate key across listener kinds")
		assert.Equal(t, 5, s.AddListenerWithErr(nopErr, "b", "ignored"))
		assert.Equal(t, []string{"a", "b"}, s.Keys(), "only the first key is used")
		assert.Equal(t, 5, s.Len())
	})
}

func TestRemoveListener(t *testing.T) {
	eachKind(t, func(t *testing.T, s signals.Signal[int]) {
		s.AddListener(nop)
		s.AddListener(nop, "a")
		s.AddListener(nop, "b")
		assert.Equal(t, -1, s.RemoveListener("missing"))
		assert.Equal(t, -1, s.RemoveListener(""), "unkeyed listeners are removed only by Reset")
		assert.Equal(t, 2, s.RemoveListener("a"))
		assert.Equal(t, -1, s.RemoveListener("a"), "already removed")
		assert.Equal(t, 1, s.RemoveListener("b"))
		assert.False(t, s.IsEmpty())
		s.Reset()
		assert.True(t, s.IsEmpty())
		assert.Equal(t, 0, s.Len())
		assert.Equal(t, 1, s.AddListener(nop, "a"), "a key is free again after removal")
	})
}

func TestKeysAndHasKey(t *testing.T) {
	eachKind(t, func(t *testing.T, s signals.Signal[int]) {
		assert.Empty(t, s.Keys())
		assert.False(t, s.HasKey(""))
		s.AddListener(nop, "c")
		s.AddListener(nop)
		s.AddListener(nop, "a")
		s.AddOnceWithKey(nop, "b")
		assert.Equal(t, []string{"c", "a", "b"}, s.Keys(), "in the order added")
		assert.True(t, s.HasKey("a"))
		assert.True(t, s.HasKey("b"))
		assert.False(t, s.HasKey("z"))
		assert.False(t, s.HasKey(""), `"" is no key, even with unkeyed listeners present`)
		s.RemoveListener("c")
		assert.Equal(t, []string{"a", "b"}, s.Keys())
	})
}

func TestNilListenerPanics(t *testing.T) {
	eachKind(t, func(t *testing.T, s signals.Signal[int]) {
		assert.PanicsWithValue(t, "signals: AddListener with a nil listener", func() { s.AddListener(nil) })
		assert.PanicsWithValue(t, "signals: AddListenerWithErr with a nil listener", func() { s.AddListenerWithErr(nil) })
		assert.PanicsWithValue(t, "signals: AddOnce with a nil listener", func() { s.AddOnce(nil) })
		assert.Equal(t, 0, s.Len())
	})
}

func TestZeroValuesAreReady(t *testing.T) {
	var s signals.SyncSignal[int]
	var a signals.AsyncSignal[int]
	var got []string
	s.AddListener(func(context.Context, int) { got = append(got, "sync") })
	a.AddListener(func(context.Context, int) { got = append(got, "async") })
	s.Emit(context.Background(), 1)
	require.NoError(t, s.TryEmit(context.Background(), 1))
	require.NoError(t, a.TryEmit(context.Background(), 1))
	assert.Equal(t, []string{"sync", "sync", "async"}, got)
	assert.Equal(t, 11, s.Cap(), "default capacity")
}

func TestInitialCapacity(t *testing.T) {
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{InitialCapacity: 3})
	assert.Equal(t, 0, s.Cap(), "allocated on first add")
	s.AddListener(nop)
	assert.Equal(t, 3, s.Cap())
	s.Reset()
	s.AddListener(nop)
	assert.Equal(t, 3, s.Cap(), "honoured again after Reset")

	a := signals.NewWithOptions[int](&signals.SignalOptions{InitialCapacity: 50})
	a.AddListener(nop)
	assert.Equal(t, 50, a.Cap())
}

func TestGrowthFunc(t *testing.T) {
	var calls []int
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{
		InitialCapacity: 2,
		GrowthFunc: func(c int) int {
			calls = append(calls, c)
			return c + 3
		},
	})
	for range 9 {
		s.AddListener(nop)
	}
	assert.Equal(t, []int{2, 5, 8}, calls, "called at every growth with the current capacity")
	assert.Equal(t, 11, s.Cap())
	s.RemoveListener("none")
	assert.Equal(t, 9, s.Len())
}

func TestGrowthFuncThatDoesNotGrowDoubles(t *testing.T) {
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{
		InitialCapacity: 2,
		GrowthFunc:      func(c int) int { return c },
	})
	for range 3 {
		s.AddListener(nop)
	}
	assert.Equal(t, 4, s.Cap())
	assert.Equal(t, 3, s.Len())
}

func TestDefaultGrowthDoubles(t *testing.T) {
	s := signals.NewSync[int]()
	for range 12 {
		s.AddListener(nop)
	}
	assert.Equal(t, 22, s.Cap())
}

func TestAddOnce(t *testing.T) {
	eachKind(t, func(t *testing.T, s signals.Signal[int]) {
		var mu sync.Mutex // async listeners run concurrently
		var calls []int
		record := func(v int) {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, v)
		}
		assert.Equal(t, 1, s.AddOnce(func(_ context.Context, v int) { record(v) }))
		assert.Equal(t, 2, s.AddOnceWithKey(func(_ context.Context, v int) { record(-v) }, "once"))
		assert.Equal(t, -1, s.AddOnceWithKey(nop, "once"), "duplicate key")
		require.NoError(t, s.TryEmit(context.Background(), 1))
		require.NoError(t, s.TryEmit(context.Background(), 2))
		assert.ElementsMatch(t, []int{1, -1}, calls, "each ran once, for the first emit")
		assert.Equal(t, 0, s.Len(), "and was removed")
		assert.False(t, s.HasKey("once"))
	})
}

func TestAddOnceRemovedBeforeItRuns(t *testing.T) {
	eachKind(t, func(t *testing.T, s signals.Signal[int]) {
		called := false
		s.AddOnceWithKey(func(context.Context, int) { called = true }, "once")
		assert.Equal(t, 0, s.RemoveListener("once"))
		require.NoError(t, s.TryEmit(context.Background(), 1))
		assert.False(t, called)
	})
}
