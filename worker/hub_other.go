//go:build !js

package worker

import (
	"context"
	"fmt"
)

// emit has no hub to reach outside a Worker.
func (h Hub) emit(ctx context.Context, name string, body []byte) (int64, error) {
	return 0, fmt.Errorf("%w: %q (hubs are reached only in a Worker, GOOS=js)", ErrNoHub, h.Binding)
}
