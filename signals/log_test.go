//go:build !js

package signals_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/edgesignals/edgesignals/signals"
)

// captureSlog sends the default slog logger to a buffer for the test.
func captureSlog(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf
}

func TestPanicsGoToSlogWithoutOnError(t *testing.T) {
	buf := captureSlog(t)
	s := signals.NewSync[int]()
	s.AddListener(func(context.Context, int) { panic("logged") }, "k")
	s.Emit(context.Background(), 0)
	assert.Contains(t, buf.String(), `signals: listener \"k\" panicked: logged`)
}

func TestPanickingOnErrorIsLogged(t *testing.T) {
	buf := captureSlog(t)
	s := signals.NewSyncWithOptions[int](&signals.SignalOptions{OnError: func(error) { panic("handler") }})
	s.AddListener(func(context.Context, int) { panic("listener") })
	s.Emit(context.Background(), 0)
	assert.Contains(t, buf.String(), "OnError panicked with handler")
}
