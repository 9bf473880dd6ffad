//go:build !(js && wasm)

package jsbridge

import (
	"context"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edgesignals/edgesignals/signals"
)

func TestOutsideJavaScriptTheBridgeRefuses(t *testing.T) {
	const why = " needs GOOS=js GOARCH=wasm: it connects Go to the JavaScript that loaded the module"
	assert.PanicsWithValue(t, "jsbridge: Listen"+why, func() {
		Listen("orders", func(ctx context.Context, v any) error { return nil })
	})
	assert.PanicsWithValue(t, "jsbridge: Export"+why, func() { Export("totals", signals.NewSync[float64]()) })
	assert.PanicsWithValue(t, "jsbridge: Serve"+why, Serve)
}

// go doc shows the whole API on this platform too, not only under GOOS=js.
func TestGoDocShowsTheAPIOnEveryPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go doc")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	for symbol, want := range map[string]string{
		"Listen":       "func Listen[T any](name string, fn signals.SignalListenerErr[T], key ...string)",
		"Export":       "func Export[T any](name string, s signals.Signal[T])",
		"Serve":        "func Serve()",
		"Marshaler":    "type Marshaler interface",
		"Unmarshaler":  "type Unmarshaler interface",
		"PayloadError": "type PayloadError struct",
	} {
		cmd := exec.Command(goTool, "doc", ".", symbol)
		cmd.Env = append(cmd.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.True(t, strings.Contains(string(out), want), "go doc %s:\n%s", symbol, out)
	}
}
