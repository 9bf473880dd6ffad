package signals_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

// The cases of docs/semantics.json, run against Go signals. The npm
// package's web/test/semantics.test.js runs the same cases against the
// JavaScript Signal and against a Go signal driven through the bridge.
type semanticsCase struct {
	Name      string         `json:"name"`
	Signal    string         `json:"signal"`
	Listeners []listenerSpec `json:"listeners"`
	Steps     []struct {
		Op          string          `json:"op"`
		AbortBefore bool            `json:"abortBefore"`
		Calls       []string        `json:"calls"`
		Reported    json.RawMessage `json:"reported"`
		Error       json.RawMessage `json:"error"`
		Size        *int            `json:"size"`
		Listener    listenerSpec    `json:"listener"`
		Key         string          `json:"key"`
		Returns     int             `json:"returns"`
	} `json:"steps"`
}

type listenerSpec struct {
	Name string `json:"name"`
	Key  string `json:"key"`
	Once bool   `json:"once"`
	Does string `json:"does"`
}

// forGo returns the Go runner's value of an expectation that may differ
// between the runners ({"go": ..., "js": ..., "bridge": ...}).
func forGo(t *testing.T, raw json.RawMessage) any {
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	if m, ok := v.(map[string]any); ok {
		if g, ok := m["go"]; ok {
			return g
		}
	}
	return v
}

// describeError gives err the shape of the cases' errors.
func describeError(err error) any {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return map[string]any{"kind": "aborted"}
	}
	if join, ok := err.(interface{ Unwrap() []error }); ok {
		var all []any
		for _, e := range join.Unwrap() {
			all = append(all, describeError(e))
		}
		return map[string]any{"kind": "all", "errors": all}
	}
	var pe *signals.PanicError
	var le *signals.ListenerError
	switch {
	case errors.As(err, &pe):
		return map[string]any{"kind": "panic", "key": pe.Key, "message": err.Error()}
	case errors.As(err, &le):
		return map[string]any{"kind": "error", "key": le.Key, "message": le.Err.Error()}
	}
	return map[string]any{"kind": "error", "message": err.Error()}
}

// only keeps of got what the expectation names.
func only(got, want any) any {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := map[string]any{}
		for k := range w {
			out[k] = only(g[k], w[k])
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return got
		}
		out := make([]any, len(g))
		for i := range g {
			out[i] = only(g[i], w[i])
		}
		return out
	}
	return got
}

func TestSemanticsTable(t *testing.T) {
	raw, err := os.ReadFile("../docs/semantics.json")
	if err != nil && runtime.GOARCH == "wasm" {
		t.Skip("no file system here (headless Chromium):", err)
	}
	require.NoError(t, err)
	var table struct{ Cases []semanticsCase }
	require.NoError(t, json.Unmarshal(raw, &table))
	require.NotEmpty(t, table.Cases)
	for _, c := range table.Cases {
		t.Run(c.Name, func(t *testing.T) { runSemanticsCase(t, c) })
	}
}

func runSemanticsCase(t *testing.T, c semanticsCase) {
	var mu sync.Mutex // async listeners record from their goroutines
	var calls, reported []string
	record := func(list *[]string, s string) {
		mu.Lock()
		defer mu.Unlock()
		*list = append(*list, s)
	}
	options := &signals.SignalOptions{OnError: func(err error) {
		d := describeError(err).(map[string]any)
		key, _ := d["key"].(string)
		record(&reported, key)
	}}
	var s signals.Signal[int]
	var wait func()
	if c.Signal == "async" {
		a := signals.NewWithOptions[int](options)
		s, wait = a, func() { require.NoError(t, a.Wait(context.Background())) }
	} else {
		s, wait = signals.NewSyncWithOptions[int](options), func() {}
	}
	var abort context.CancelFunc
	var add func(spec listenerSpec) int
	add = func(spec listenerSpec) int {
		listener := func(ctx context.Context, depth int) error {
			record(&calls, spec.Name)
			switch does := spec.Does; {
			case does == "fail":
				return errors.New(spec.Name + " failed")
			case does == "panic":
				panic(spec.Name + " panicked")
			case strings.HasPrefix(does, "remove:"):
				s.RemoveListener(strings.TrimPrefix(does, "remove:"))
			case strings.HasPrefix(does, "add:"):
				added := strings.TrimPrefix(does, "add:")
				add(listenerSpec{Name: added, Key: added})
			case does == "emit" && depth == 0:
				s.Emit(ctx, depth+1)
			case does == "reset":
				s.Reset()
			case does == "abort":
				abort()
			}
			return nil
		}
		if spec.Once {
			return s.AddOnceWithKey(func(ctx context.Context, depth int) { _ = listener(ctx, depth) }, spec.Key)
		}
		return s.AddListenerWithErr(listener, spec.Key)
	}
	for _, spec := range c.Listeners {
		add(spec)
	}
	for i, step := range c.Steps {
		where := step.Op + " (step " + strconv.Itoa(i+1) + ")"
		calls, reported = nil, nil
		switch step.Op {
		case "emit":
			s.Emit(context.Background(), 0)
			wait()
		case "tryEmit":
			ctx, cancel := context.WithCancel(context.Background())
			abort = cancel
			if step.AbortBefore {
				cancel()
			}
			err := s.TryEmit(ctx, 0)
			cancel()
			want := forGo(t, step.Error)
			assert.Equal(t, want, only(describeError(err), want), where)
		case "add":
			assert.Equal(t, step.Returns, add(step.Listener), where)
		case "remove":
			assert.Equal(t, step.Returns, s.RemoveListener(step.Key), where)
		}
		if step.Calls != nil {
			got := slices.Clone(calls)
			if c.Signal == "async" {
				slices.Sort(got)
			}
			assert.Equal(t, step.Calls, nilToEmpty(got), where+": calls")
		}
		if step.Reported != nil {
			want := forGo(t, step.Reported)
			got := slices.Clone(reported)
			slices.Sort(got)
			var wantKeys []string
			for _, k := range want.([]any) {
				wantKeys = append(wantKeys, k.(string))
			}
			assert.Equal(t, nilToEmpty(wantKeys), nilToEmpty(got), where+": reported")
		}
		if step.Size != nil {
			assert.Equal(t, *step.Size, s.Len(), where+": size")
		}
	}
}

func nilToEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
