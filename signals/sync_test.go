package signals_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

// recorder returns a listener that appends name to *calls.
func recorder(calls *[]string, name string) signals.SignalListener[int] {
	return func(context.Context, int) { *calls = append(*calls, name) }
}

func TestSyncOrderAfterRemovals(t *testing.T) {
	var calls []string
	s := signals.NewSync[int]()
	for _, k := range []string{"a", "b", "c", "d"} {
		s.AddListener(recorder(&calls, k), k)
	}
	s.RemoveListener("b")
	s.AddListener(recorder(&calls, "e"), "e")
	s.RemoveListener("a")
	s.AddListener(recorder(&calls, "f"))
	s.Emit(context.Background(), 0)
	assert.Equal(t, []string{"c", "d", "e", "f"}, calls)
}

// TryEmit calls every listener in order whatever mix of the two kinds the
// signal holds, before and after removals and additions.
func TestSyncTryEmitMixesListenersThatCanAndCannotFail(t *testing.T) {
	var calls []string
	fallible := func(name string) signals.SignalListenerErr[int] {
		return func(context.Context, int) error { calls = append(calls, name); return nil }
	}
	s := signals.NewSync[int]()
	s.AddListenerWithErr(fallible("a"), "a")
	s.AddListener(recorder(&calls, "b"), "b")
	s.AddListenerWithErr(fallible("c"), "c")
	steps := []struct {
		change func()
		want   []string
	}{
		{func() {}, []string{"a", "b", "c"}},
		{func() { s.RemoveListener("b") }, []string{"a", "c"}},
		{func() { s.AddListener(recorder(&calls, "d"), "d") }, []string{"a", "c", "d"}},
		{func() { s.AddListenerWithErr(fallible("e"), "e") }, []string{"a", "c", "d", "e"}},
		{func() { s.RemoveListener("d") }, []string{"a", "c", "e"}},
		{func() { s.RemoveListener("a"); s.AddOnce(recorder(&calls, "f")) }, []string{"c", "e", "f"}},
		{func() {}, []string{"c", "e"}},
	}
	for i, step := range steps {
		step.change()
		calls = nil
		require.NoError(t, s.TryEmit(context.Background(), 0), "step %d", i)
		assert.Equal(t, step.want, calls, "step %d", i)
	}
}

type codeError struct{ code int }

func (e *codeError) Error() string { return "code error" }

func TestSyncTryEmitStopsAtFirstError(t *testing.T) {
	var calls []string
	want := &codeError{code: 42}
	s := signals.NewSync[int]()
	s.AddListener(recorder(&calls, "first"))
	s.AddListenerWithErr(func(context.Context, int) error {
		calls = append(calls, "failing")
		return want
	}, "validate")
	s.AddListener(recorder(&calls, "skipped"))

	err := s.TryEmit(context.Background(), 0)
	assert.Equal(t, []string{"first", "failing"}, calls)
	require.Error(t, err)
	assert.ErrorIs(t, err, want)
	var ce *codeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 42, ce.code)
	var le *signals.ListenerError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "validate", le.Key)
	assert.Equal(t, `signals: listener "validate": code error`, err.Error())
}

func TestSyncTryEmitReturnsUnkeyedErrorUnchanged(t *testing.T) {
	s := signals.NewSync[int]()
	s.AddListenerWithErr(func(context.Context, int) error { return io.EOF })
	assert.Same(t, io.EOF, s.TryEmit(context.Background(), 0), "maniartech code compares with ==")
}

func TestSyncTryEmitChecksContextBeforeEachListener(t *testing.T) {
	var calls []string
	ctx, cancel := context.WithCancel(context.Background())
	s := signals.NewSync[int]()
	s.AddListener(func(context.Context, int) { calls = append(calls, "cancels"); cancel() })
	s.AddListener(recorder(&calls, "skipped"))
	assert.ErrorIs(t, s.TryEmit(ctx, 0), context.Canceled)
	assert.Equal(t, []string{"cancels"}, calls)

	calls = nil
	assert.ErrorIs(t, s.TryEmit(ctx, 0), context.Canceled, "a done ctx runs nothing")
	assert.Empty(t, calls)
}

func TestSyncTryEmitSucceedsWhenDeadlinePassesDuringLastListener(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	s := signals.NewSync[int]()
	s.AddListener(func(ctx context.Context, _ int) { <-ctx.Done() })
	assert.NoError(t, s.TryEmit(ctx, 0))
	assert.Error(t, ctx.Err())
}

func TestSyncEmitIgnoresErrorsButCallsEveryListener(t *testing.T) {
	var calls []string
	var reported []error
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{OnError: func(err error) { reported = append(reported, err) }})
	s.AddListenerWithErr(func(context.Context, int) error { calls = append(calls, "failing"); return io.EOF })
	s.AddListener(recorder(&calls, "next"))
	s.Emit(context.Background(), 0)
	assert.Equal(t, []string{"failing", "next"}, calls)
	assert.Empty(t, reported, "sync Emit drops listener errors")
}

func TestSyncEmitStopsWhenContextIsDone(t *testing.T) {
	var calls []string
	ctx, cancel := context.WithCancel(context.Background())
	s := signals.NewSync[int]()
	s.AddListener(func(context.Context, int) { calls = append(calls, "cancels"); cancel() })
	s.AddListener(recorder(&calls, "skipped"))
	s.Emit(ctx, 0)
	assert.Equal(t, []string{"cancels"}, calls)
}

// closedContext is done from the start although it wraps Background: the
// emits must ask it, not take it for the Background inside.
type closedContext struct{ context.Context }

func (closedContext) Done() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

func (closedContext) Err() error { return context.Canceled }

type ctxKey struct{}

func TestSyncEmitsAskEveryContextThatCanEnd(t *testing.T) {
	var calls []string
	s := signals.NewSync[int]()
	s.AddListener(recorder(&calls, "ran"))
	done := closedContext{context.Background()}
	assert.ErrorIs(t, s.TryEmit(done, 0), context.Canceled)
	s.Emit(done, 0)
	assert.Empty(t, calls)

	for _, ctx := range []context.Context{
		context.TODO(),
		context.WithValue(context.Background(), ctxKey{}, 1),
		context.WithoutCancel(done),
	} {
		require.NoError(t, s.TryEmit(ctx, 0))
		s.Emit(ctx, 0)
	}
	assert.Len(t, calls, 6, "contexts that never end run every listener")
}

func TestSyncTryEmitTurnsPanicIntoError(t *testing.T) {
	var calls []string
	s := signals.NewSync[int]()
	s.AddListener(func(context.Context, int) { panic("boom") }, "bad")
	s.AddListener(recorder(&calls, "skipped"))
	err := s.TryEmit(context.Background(), 0)
	var pe *signals.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "bad", pe.Key)
	assert.Equal(t, "boom", pe.Value)
	assert.Contains(t, string(pe.Stack), "sync_test.go", "the stack is the panicking one")
	assert.Equal(t, `signals: listener "bad" panicked: boom`, err.Error())
	assert.Empty(t, calls)

	// The key is the panicking listener's, wherever it is and whichever its kind.
	s.Reset()
	s.AddListener(recorder(&calls, "first"), "first")
	s.AddListenerWithErr(func(context.Context, int) error { panic("boom") }, "bad-err")
	s.AddListener(recorder(&calls, "skipped"), "skipped")
	require.ErrorAs(t, s.TryEmit(context.Background(), 0), &pe)
	assert.Equal(t, "bad-err", pe.Key)
	assert.Equal(t, []string{"first"}, calls)

	s.Reset()
	s.AddListener(func(context.Context, int) { panic(io.ErrUnexpectedEOF) })
	err = s.TryEmit(context.Background(), 0)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "a panic with an error unwraps to it")
	assert.Equal(t, "signals: listener panicked: unexpected EOF", err.Error())
}

func TestSyncTryEmitTurnsPanicIntoErrorUnderContextThatCanEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls []string
	s := signals.NewSync[int]()
	s.AddListener(recorder(&calls, "first"))
	s.AddListener(func(context.Context, int) { panic("boom") }, "bad")
	s.AddListener(recorder(&calls, "skipped"))
	var pe *signals.PanicError
	require.ErrorAs(t, s.TryEmit(ctx, 0), &pe)
	assert.Equal(t, "bad", pe.Key)
	assert.Equal(t, []string{"first"}, calls)
}

func TestSyncEmitReportsPanicsAndGoesOn(t *testing.T) {
	t.Run("background", func(t *testing.T) { testEmitReportsPanicsAndGoesOn(t, context.Background()) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t.Run("cancellable", func(t *testing.T) { testEmitReportsPanicsAndGoesOn(t, ctx) })
}

func testEmitReportsPanicsAndGoesOn(t *testing.T, ctx context.Context) {
	var calls []string
	var reported []error
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{OnError: func(err error) { reported = append(reported, err) }})
	s.AddListener(recorder(&calls, "a"))
	s.AddListener(func(context.Context, int) { panic("first") }, "p1")
	s.AddListener(recorder(&calls, "b"))
	s.AddListener(func(context.Context, int) { panic("second") })
	s.AddListener(recorder(&calls, "c"))
	s.Emit(ctx, 0)
	assert.Equal(t, []string{"a", "b", "c"}, calls)
	require.Len(t, reported, 2)
	var pe *signals.PanicError
	require.ErrorAs(t, reported[0], &pe)
	assert.Equal(t, "p1", pe.Key)
	require.ErrorAs(t, reported[1], &pe)
	assert.Equal(t, "second", pe.Value)
}

func TestPanickingOnErrorDoesNotCrash(t *testing.T) {
	var calls []string
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{OnError: func(error) { panic("handler") }})
	s.AddListener(func(context.Context, int) { panic("listener") })
	s.AddListener(recorder(&calls, "after"))
	s.Emit(context.Background(), 0)
	assert.Equal(t, []string{"after"}, calls)
}

func TestNilContextBecomesBackground(t *testing.T) {
	eachKind(t, func(t *testing.T, s signals.Signal[int]) {
		got := make(chan context.Context, 2)
		s.AddListener(func(ctx context.Context, _ int) { got <- ctx })
		require.NoError(t, s.TryEmit(nil, 0))
		s.Emit(nil, 0)
		for range 2 {
			assert.Equal(t, context.Background(), <-got)
		}
	})
}

func TestSyncReentrancy(t *testing.T) {
	var calls []string
	s := signals.NewSync[int]()
	s.AddListener(func(ctx context.Context, depth int) {
		calls = append(calls, "first")
		if depth == 0 {
			s.AddListener(recorder(&calls, "added"), "added")
			s.RemoveListener("later")
			s.Emit(ctx, depth+1) // emitting on the same signal from a listener
		}
	})
	s.AddListener(recorder(&calls, "later"), "later")
	s.Emit(context.Background(), 0)
	// The nested emit sees the set as changed; the outer one still calls the
	// listener it started with, and not the one added meanwhile.
	assert.Equal(t, []string{"first", "first", "added", "later"}, calls)
	calls = nil
	s.Emit(context.Background(), 1)
	assert.Equal(t, []string{"first", "added"}, calls)
}

func TestSyncListenerCanResetDuringEmit(t *testing.T) {
	var calls []string
	s := signals.NewSync[int]()
	s.AddListener(func(context.Context, int) { calls = append(calls, "reset"); s.Reset() })
	s.AddListener(recorder(&calls, "still called"))
	require.NoError(t, s.TryEmit(context.Background(), 0))
	assert.Equal(t, []string{"reset", "still called"}, calls)
	assert.Equal(t, 0, s.Len())
}

// A SyncSignal's emits allocate nothing, as the package documentation says,
// whatever the kinds of listeners and whether the context can end.
func TestSyncEmitAllocatesNothing(t *testing.T) {
	s := signals.NewSync[int]()
	s.AddListener(func(context.Context, int) {}, "plain")
	s.AddListenerWithErr(func(context.Context, int) error { return nil })
	s.AddOnceWithKey(func(context.Context, int) {}, "once") // claimed by the first emit below
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for name, emit := range map[string]func(){
		"Emit":                    func() { s.Emit(context.Background(), 1) },
		"TryEmit":                 func() { _ = s.TryEmit(context.Background(), 1) },
		"Emit, cancelable ctx":    func() { s.Emit(ctx, 1) },
		"TryEmit, cancelable ctx": func() { _ = s.TryEmit(ctx, 1) },
	} {
		assert.Zero(t, testing.AllocsPerRun(100, emit), name)
	}
}
