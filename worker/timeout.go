//go:build !js

package worker

import (
	"context"
	"time"
)

// withTimeout is context.WithTimeout, or ctx itself for d <= 0.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
