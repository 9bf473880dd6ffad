package signals_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/edgesignals/edgesignals/signals"
)

// model is the obvious, slow implementation of a SyncSignal's listener set.
type model struct {
	entries []modelEntry
}

type modelEntry struct {
	id    int
	key   string
	once  bool
	fails bool
}

func (m *model) add(e modelEntry) int {
	if e.key != "" && slices.ContainsFunc(m.entries, func(x modelEntry) bool { return x.key == e.key }) {
		return -1
	}
	m.entries = append(m.entries, e)
	return len(m.entries)
}

func (m *model) remove(key string) int {
	i := slices.IndexFunc(m.entries, func(x modelEntry) bool { return key != "" && x.key == key })
	if i < 0 {
		return -1
	}
	m.entries = slices.Delete(m.entries, i, i+1)
	return len(m.entries)
}

// emit returns the ids that an emit calls and whether it fails.
func (m *model) emit(stopOnError bool) (called []int, failed bool) {
	var kept []modelEntry
	for i, e := range m.entries {
		called = append(called, e.id)
		if !e.once {
			kept = append(kept, e)
		}
		if e.fails && stopOnError {
			kept = append(kept, m.entries[i+1:]...)
			failed = true
			break
		}
	}
	m.entries = kept
	return called, failed
}

func (m *model) keys() []string {
	var keys []string
	for _, e := range m.entries {
		if e.key != "" {
			keys = append(keys, e.key)
		}
	}
	return keys
}

var errListener = errors.New("listener failed")

// FuzzSyncSignal drives a SyncSignal and the model with the same random
// operations and fails at the first difference.
func FuzzSyncSignal(f *testing.F) {
	f.Add([]byte{0, 6, 12, 5, 3, 30, 5})
	f.Add([]byte{1, 7, 2, 8, 5, 6, 3, 9, 5, 4, 5})
	f.Add([]byte{12, 13, 14, 6, 6, 33, 5, 11, 27, 5, 6})
	f.Add([]byte{0, 36, 2, 0, 5, 6, 5, 4, 43, 5})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var s signals.SyncSignal[int]
		var m model
		// Emits alternate between a context that is never done and one that
		// could be, which take different paths.
		cancellable, cancel := context.WithCancel(context.Background())
		defer cancel()
		var called []int
		for id, op := range ops {
			key := ""
			if k := op / 7 % 5; k > 0 {
				key = fmt.Sprint("k", k)
			}
			fails := op/35%2 == 1
			record := func(context.Context, int) { called = append(called, id) }
			var got, want int
			switch op % 7 {
			case 0:
				got, want = s.AddListener(record, key), m.add(modelEntry{id: id, key: key})
			case 1:
				got = s.AddListenerWithErr(func(ctx context.Context, v int) error {
					record(ctx, v)
					if fails {
						return errListener
					}
					return nil
				}, key)
				want = m.add(modelEntry{id: id, key: key, fails: fails})
			case 2:
				got, want = s.AddOnceWithKey(record, key), m.add(modelEntry{id: id, key: key, once: true})
			case 3:
				got, want = s.RemoveListener(key), m.remove(key)
			case 4:
				s.Reset()
				m.entries = nil
			case 5, 6:
				called = nil
				tryEmit := op%7 == 5
				ctx := context.Background()
				if id%2 == 1 {
					ctx = cancellable
				}
				var err error
				if tryEmit {
					err = s.TryEmit(ctx, 0)
				} else {
					s.Emit(ctx, 0)
				}
				wantCalled, wantFailed := m.emit(tryEmit)
				if !slices.Equal(called, wantCalled) {
					t.Fatalf("op %d: called %v, want %v", id, called, wantCalled)
				}
				if errors.Is(err, errListener) != wantFailed {
					t.Fatalf("op %d: TryEmit error %v, want failure %v", id, err, wantFailed)
				}
			}
			if got != want {
				t.Fatalf("op %d (%d): returned %d, want %d", id, op, got, want)
			}
			if s.Len() != len(m.entries) || !slices.Equal(s.Keys(), m.keys()) {
				t.Fatalf("op %d: Len %d keys %v, want %d %v", id, s.Len(), s.Keys(), len(m.entries), m.keys())
			}
		}
	})
}
