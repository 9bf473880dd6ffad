package signals_test

// Compatibility with github.com/maniartech/signals v1.3.1: the first test is
// code written against v1.3.1, unchanged but for the import path; the others
// show, one each, the differences that README's compatibility section lists.

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

// Every exported function and method of v1.3.1 but three, with v1.3.1's
// signature. The three: NewWithOptions returns *AsyncSignal (see
// TestV131NewWithOptionsReturnsTheConcreteType), and BaseSignal and
// NewBaseSignal are not exported (see TestV131CodeThatDoesNotCompile).
var (
	_ func() *signals.AsyncSignal[int] = signals.New[int]
	_ func() *signals.SyncSignal[int]  = signals.NewSync[int]

	_ func(*signals.AsyncSignal[int], signals.SignalListener[int], ...string) int = (*signals.AsyncSignal[int]).AddListener
	_ func(*signals.AsyncSignal[int], context.Context, int)                       = (*signals.AsyncSignal[int]).Emit
	_ func(*signals.AsyncSignal[int]) bool                                        = (*signals.AsyncSignal[int]).IsEmpty
	_ func(*signals.AsyncSignal[int]) int                                         = (*signals.AsyncSignal[int]).Len
	_ func(*signals.AsyncSignal[int], string) int                                 = (*signals.AsyncSignal[int]).RemoveListener
	_ func(*signals.AsyncSignal[int])                                             = (*signals.AsyncSignal[int]).Reset

	_ func(*signals.SyncSignal[int], signals.SignalListener[int], ...string) int    = (*signals.SyncSignal[int]).AddListener
	_ func(*signals.SyncSignal[int], signals.SignalListenerErr[int], ...string) int = (*signals.SyncSignal[int]).AddListenerWithErr
	_ func(*signals.SyncSignal[int], context.Context, int)                          = (*signals.SyncSignal[int]).Emit
	_ func(*signals.SyncSignal[int], context.Context, int) error                    = (*signals.SyncSignal[int]).TryEmit
	_ func(*signals.SyncSignal[int]) bool                                           = (*signals.SyncSignal[int]).IsEmpty
	_ func(*signals.SyncSignal[int]) int                                            = (*signals.SyncSignal[int]).Len
	_ func(*signals.SyncSignal[int], string) int                                    = (*signals.SyncSignal[int]).RemoveListener
	_ func(*signals.SyncSignal[int])                                                = (*signals.SyncSignal[int]).Reset
)

// TestV131Source is code written against v1.3.1, unchanged but for the
// import path: it must keep compiling and behaving the same.
func TestV131Source(t *testing.T) {
	ctx := context.Background()
	var listener signals.SignalListener[int] = func(context.Context, int) {}
	var failing signals.SignalListenerErr[int] = func(context.Context, int) error { return errors.New("no") }

	// v1.3.1's New and NewSync return the concrete types.
	var a *signals.AsyncSignal[int] = signals.New[int]()
	var s *signals.SyncSignal[int] = signals.NewSync[int]()
	// Its NewWithOptions returns the interface, which holds either kind.
	var sig signals.Signal[int] = signals.NewWithOptions[int](&signals.SignalOptions{InitialCapacity: 5})
	sig = signals.NewWithOptions[int](nil)
	if sig == nil {
		t.Fatal("NewWithOptions returned nil")
	}
	sig = s
	sig = a

	assert.Equal(t, 1, sig.AddListener(listener, "a"))
	assert.Equal(t, -1, sig.AddListener(listener, "a"))
	assert.Equal(t, 2, sig.AddListener(listener))
	assert.Equal(t, 1, sig.RemoveListener("a"))
	assert.Equal(t, -1, sig.RemoveListener("a"))
	sig.Emit(ctx, 1)
	sig.Reset()
	assert.True(t, sig.IsEmpty())
	assert.Equal(t, 0, sig.Len())

	pipeline := signals.NewSync[int]()
	pipeline.AddListener(listener, "ok")
	pipeline.AddListenerWithErr(failing)
	assert.EqualError(t, pipeline.TryEmit(ctx, 1), "no")
	assert.NoError(t, signals.NewSync[int]().TryEmit(nil, 1)) // v1.3.1 allows a nil ctx
}

// typeChecker returns a function that type-checks src, a file of package p,
// against this module's signals package and returns the errors. Imports are
// read from the export data the go command builds (and caches).
func typeChecker(t *testing.T) func(src string) []string {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("type-checks with the go command's export data, which needs the go command")
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		out, err := exec.Command("go", "list", "-export", "-f", "{{.Export}}", path).Output()
		if err != nil {
			return nil, fmt.Errorf("go list -export %s: %w", path, err)
		}
		return os.Open(strings.TrimSpace(string(out)))
	})
	return func(src string) []string {
		f, err := parser.ParseFile(fset, "p.go", src, 0)
		require.NoError(t, err)
		var errs []string
		conf := types.Config{Importer: imp, Error: func(err error) { errs = append(errs, err.Error()) }}
		_, _ = conf.Check("p", fset, []*ast.File{f}, nil)
		return errs
	}
}

// TestV131CodeThatDoesNotCompile type-checks the v1.3.1 code that does not
// compile against this package, and a control that does, so that the
// checker is known to work.
func TestV131CodeThatDoesNotCompile(t *testing.T) {
	typeCheck := typeChecker(t)
	const header = "package p\nimport (\"context\"; \"github.com/edgesignals/edgesignals/signals\")\nvar _ context.Context\n"
	for _, c := range []struct {
		name, code, err string
	}{{
		name: "control: v1.3.1 code that compiles",
		code: `func f() { var a *signals.AsyncSignal[int] = signals.New[int](); a.Emit(context.TODO(), 1) }`,
	}, {
		// v1.3.0's documentation calls BaseSignal private; v1.3.1 still exports it.
		name: "BaseSignal is not exported",
		code: `type MySignal[T any] struct{ signals.BaseSignal[T] }`,
		err:  "undefined: signals.BaseSignal",
	}, {
		name: "NewBaseSignal is not exported",
		code: `var _ = signals.NewBaseSignal[int](nil)`,
		err:  "undefined: signals.NewBaseSignal",
	}, {
		// SignalOptions has four fields; v1.3.1's has two. Keyed literals compile.
		name: "an unkeyed SignalOptions literal",
		code: `var _ = signals.SignalOptions{4, nil}`,
		err:  "too few values in struct literal",
	}, {
		// Signal has the methods of both kinds (TryEmit, AddOnce, Keys, ...).
		name: "a type implementing v1.3.1's six-method Signal",
		code: `type mine struct{}
func (mine) Emit(context.Context, int) {}
func (mine) AddListener(signals.SignalListener[int], ...string) int { return 0 }
func (mine) RemoveListener(string) int { return 0 }
func (mine) Reset() {}
func (mine) Len() int { return 0 }
func (mine) IsEmpty() bool { return true }
var _ signals.Signal[int] = mine{}`,
		err: "does not implement signals.Signal[int]",
	}, {
		// NewWithOptions returns *AsyncSignal, as New does.
		name: "a variable declared from NewWithOptions, then given a SyncSignal",
		code: `func f() { s := signals.NewWithOptions[int](nil); s = signals.NewSync[int](); _ = s }`,
		err:  "cannot use signals.NewSync[int]()",
	}, {
		name: "NewWithOptions as a func returning the interface",
		code: `var _ func(*signals.SignalOptions) signals.Signal[int] = signals.NewWithOptions[int]`,
		err:  "cannot use signals.NewWithOptions[int]",
	}} {
		t.Run(c.name, func(t *testing.T) {
			errs := typeCheck(header + c.code + "\n")
			if c.err == "" {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1, "errors: %q", errs)
			assert.Contains(t, errs[0], c.err)
		})
	}
}

// TestV131NewWithOptionsReturnsTheConcreteType: v1.3.1's NewWithOptions
// returns the Signal interface; ours returns *AsyncSignal, like New (and
// like maniartech's development branch), so Wait and TryEmit need no type
// assertion. Code that reassigns the variable declares it as the interface.
func TestV131NewWithOptionsReturnsTheConcreteType(t *testing.T) {
	a := signals.NewWithOptions[int](&signals.SignalOptions{InitialCapacity: 4})
	a.AddListener(func(context.Context, int) {})
	a.Emit(context.Background(), 1)
	require.NoError(t, a.Wait(context.Background()))

	var s signals.Signal[int] = signals.NewWithOptions[int](nil)
	s = signals.NewSync[int]()
	assert.True(t, s.IsEmpty())
}

// TestV131AsyncEmitReturnsAtOnce: v1.3.1's Emit waits for every listener
// (and calls a lone unkeyed one on the caller's goroutine). Ours returns at
// once; Wait drains, TryEmit waits and collects errors.
func TestV131AsyncEmitReturnsAtOnce(t *testing.T) {
	s := signals.New[int]()
	release := make(chan struct{})
	var done atomic.Bool
	s.AddListener(func(context.Context, int) { <-release; done.Store(true) })
	s.Emit(context.Background(), 1) // v1.3.1 would block here forever
	assert.False(t, done.Load())
	close(release)
	require.NoError(t, s.Wait(context.Background()))
	assert.True(t, done.Load())
}

// TestV131AsyncEmitWithDoneContextRunsNothing: v1.3.1 runs the listeners
// whatever the context. Ours starts nothing once ctx is done, so code that
// waits for the listener with its own WaitGroup, as in v1.3.1's test
// TestAsyncSignal_ContextCancellationDuringAsync, hangs if the context is
// cancelled before Emit starts. Wait, or TryEmit's ctx.Err(), does not.
func TestV131AsyncEmitWithDoneContextRunsNothing(t *testing.T) {
	s := signals.New[int]()
	var wg sync.WaitGroup
	var ran atomic.Bool
	s.AddListener(func(context.Context, int) { defer wg.Done(); ran.Store(true) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wg.Add(1)
	s.Emit(ctx, 1)
	require.NoError(t, s.Wait(context.Background()))
	assert.False(t, ran.Load(), "wg.Wait() here would never return")
	assert.ErrorIs(t, s.TryEmit(ctx, 1), context.Canceled)
	wg.Done()
}

// TestV131OrderAfterRemove: v1.3.1 removes a listener by moving the last one
// into its place, which reorders a sync pipeline. Ours keeps the order.
func TestV131OrderAfterRemove(t *testing.T) {
	var calls []string
	s := signals.NewSync[int]()
	for _, k := range []string{"validate", "charge", "ledger", "email"} {
		s.AddListener(recorder(&calls, k), k)
	}
	s.RemoveListener("charge")
	s.Emit(context.Background(), 1)
	assert.Equal(t, []string{"validate", "ledger", "email"}, calls, "v1.3.1: validate, email, ledger")
}

// TestV131PanicsAreContained: in v1.3.1 a panicking listener unwinds into the
// emitter (sync) or crashes the program (async). Ours reports it and goes on.
func TestV131PanicsAreContained(t *testing.T) {
	var reported []error
	var mu sync.Mutex
	onError := func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }
	var calls []string
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{OnError: onError})
	s.AddListener(func(context.Context, int) { panic("boom") }, "bad")
	s.AddListener(recorder(&calls, "next"))
	assert.NotPanics(t, func() { s.Emit(context.Background(), 1) })
	assert.Equal(t, []string{"next"}, calls)

	var pe *signals.PanicError
	require.ErrorAs(t, s.TryEmit(context.Background(), 1), &pe)
	assert.Equal(t, "bad", pe.Key)

	a := signals.NewWithOptions[int](&signals.SignalOptions{OnError: onError})
	a.AddListener(func(context.Context, int) { panic("boom") })
	a.Emit(context.Background(), 1)
	require.NoError(t, a.Wait(context.Background()))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reported, 2, "one from the sync Emit, one from the async one")
	for _, err := range reported {
		assert.ErrorAs(t, err, &pe)
	}
}

var errRefused = errors.New("refused")

// TestV131KeyedErrorsAreWrapped: v1.3.1's TryEmit returns a listener's error
// as is. Ours wraps a keyed listener's error in a *ListenerError naming the
// key: err == errRefused no longer holds for it, errors.Is does. Unkeyed
// listeners' errors still arrive unchanged.
func TestV131KeyedErrorsAreWrapped(t *testing.T) {
	keyed := signals.NewSync[int]()
	keyed.AddListenerWithErr(func(context.Context, int) error { return errRefused }, "charge")
	err := keyed.TryEmit(context.Background(), 1)
	assert.NotSame(t, errRefused, err)
	assert.ErrorIs(t, err, errRefused)
	assert.EqualError(t, err, `signals: listener "charge": refused`)

	unkeyed := signals.NewSync[int]()
	unkeyed.AddListenerWithErr(func(context.Context, int) error { return errRefused })
	assert.Same(t, errRefused, unkeyed.TryEmit(context.Background(), 1))
}

// TestV131EmitCallsErrorListeners: v1.3.1's sync Emit skips the listeners
// added with AddListenerWithErr. Ours calls them and ignores their errors.
func TestV131EmitCallsErrorListeners(t *testing.T) {
	var calls []string
	s := signals.NewSync[int]()
	s.AddListenerWithErr(func(context.Context, int) error { calls = append(calls, "validate"); return errRefused })
	s.AddListener(recorder(&calls, "log"))
	s.Emit(context.Background(), 1)
	assert.Equal(t, []string{"validate", "log"}, calls, "v1.3.1: log")
}

// TestV131TryEmitChecksContextBeforeListenersOnly: v1.3.1's TryEmit also
// checks ctx after the last listener and when there is none. Ours checks it
// before each listener only: a deadline passing during the last listener does
// not turn success into an error, and with no listener TryEmit returns nil.
func TestV131TryEmitChecksContextBeforeListenersOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := signals.NewSync[int]()
	s.AddListener(func(context.Context, int) { cancel() })
	assert.NoError(t, s.TryEmit(ctx, 1), "cancelled during the last listener; v1.3.1: context.Canceled")
	assert.ErrorIs(t, s.TryEmit(ctx, 1), context.Canceled, "cancelled before a listener")
	s.Reset()
	assert.NoError(t, s.TryEmit(ctx, 1), "done, but no listener to run; v1.3.1: context.Canceled")
}

// TestV131EmptyKeyIsNoKey: in v1.3.1, AddListener(fn, "") registers the key
// "", so a second one is refused and RemoveListener("") removes it. Here ""
// means no key.
func TestV131EmptyKeyIsNoKey(t *testing.T) {
	s := signals.NewSync[int]()
	assert.Equal(t, 1, s.AddListener(nop, ""))
	assert.Equal(t, 2, s.AddListener(nop, ""), "v1.3.1: -1")
	assert.Equal(t, -1, s.RemoveListener(""), "v1.3.1: 1")
	assert.Empty(t, s.Keys())
}

// TestV131NilContext: v1.3.1 hands a nil ctx to the listeners as nil. Ours
// hands them context.Background().
func TestV131NilContext(t *testing.T) {
	var got context.Context
	s := signals.NewSync[int]()
	s.AddListener(func(ctx context.Context, _ int) { got = ctx })
	s.Emit(nil, 1) // the nil ctx is the point
	assert.Equal(t, context.Background(), got)
}

// TestV131ZeroValuesAreReady: v1.3.1's zero SyncSignal and AsyncSignal panic
// on first use (they hold a nil pointer); ours are ready.
func TestV131ZeroValuesAreReady(t *testing.T) {
	var s signals.SyncSignal[string]
	var got []string
	s.AddListener(func(_ context.Context, v string) { got = append(got, v) })
	s.Emit(context.Background(), "ok")
	assert.Equal(t, []string{"ok"}, got)

	var a signals.AsyncSignal[string]
	var n atomic.Int32
	a.AddListener(func(context.Context, string) { n.Add(1) })
	a.Emit(context.Background(), "ok")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, a.Wait(ctx))
	assert.Equal(t, int32(1), n.Load())
}
