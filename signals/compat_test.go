package signals_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/edgesignals/edgesignals/signals"
)

// TestManiartechV13Source is code written against
// github.com/maniartech/signals v1.3, unchanged but for the import path: it
// must keep compiling and behaving the same.
func TestManiartechV13Source(t *testing.T) {
	ctx := context.Background()
	var listener signals.SignalListener[int] = func(context.Context, int) {}
	var failing signals.SignalListenerErr[int] = func(context.Context, int) error { return errors.New("no") }

	// New and NewWithOptions return the Signal interface, so a variable of
	// that type can hold either kind.
	sig := signals.New[int]()
	sig = signals.NewSync[int]()
	sig = signals.NewWithOptions[int](&signals.SignalOptions{InitialCapacity: 5})
	assert.Equal(t, 1, sig.AddListener(listener, "a"))
	assert.Equal(t, -1, sig.AddListener(listener, "a"))
	assert.Equal(t, 2, sig.AddListener(listener))
	assert.Equal(t, 1, sig.RemoveListener("a"))
	assert.Equal(t, -1, sig.RemoveListener("a"))
	sig.Emit(ctx, 1)
	sig.Reset()
	assert.True(t, sig.IsEmpty())
	assert.Equal(t, 0, sig.Len())

	var pipeline *signals.SyncSignal[int] = signals.NewSyncWithOptions[int](&signals.SignalOptions{
		InitialCapacity: 2,
		GrowthFunc:      func(c int) int { return c * 2 },
	})
	pipeline.AddListener(listener, "ok")
	pipeline.AddListenerWithErr(failing, "fails")
	assert.EqualError(t, pipeline.TryEmit(ctx, 1), `signals: listener "fails": no`)
}
