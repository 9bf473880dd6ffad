//go:build !js

package signals

import (
	"log/slog"
	"reflect"
)

// logFailure logs an error nobody waits for with log/slog.
func logFailure(msg string, err error) {
	slog.Error(msg, "err", err)
}

func typeName(v any) string { return reflect.TypeOf(v).String() }
