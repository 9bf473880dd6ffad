package signals_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeGoBlocksCompile type-checks the Go blocks of the README's
// sections on the Go API and on the bridge, with declarations for the names
// they leave to the reader (Order, validate, ...), so that the README shows
// the API as it is.
func TestReadmeGoBlocksCompile(t *testing.T) {
	typeCheck := typeChecker(t)
	raw, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	readme := string(raw)
	const header = `package p

import (
	"context"
	"errors"
	"log"

	"github.com/edgesignals/edgesignals/jsbridge"
	"github.com/edgesignals/edgesignals/signals"
)

var (
	_ = errors.As
	_ = log.Println
	_ = jsbridge.Serve
)

type Order struct{ ID string }

type CardError struct{}

func (*CardError) Error() string { return "card error" }

var metrics struct{ Failures interface{ Inc() } }

func validate(context.Context, Order) error { return nil }
func checkOrder(map[string]any) error { return nil }
func charge(context.Context, Order) error          { return nil }
func sendEmail(context.Context, Order)             {}
func store(context.Context, []byte) error          { return nil }

func readme(ctx, shutdownCtx context.Context, order Order, totals signals.Signal[float64]) {
`
	for _, section := range []string{"## The Go API in five minutes", "## JavaScript and Go together"} {
		block := firstGoBlock(t, readme, section)
		// The signals block starts with its import, which belongs in the header.
		block = regexp.MustCompile(`(?m)^import "[^"]+"\n`).ReplaceAllString(block, "")
		assert.Empty(t, typeCheck(header+block+"}\n"), "the Go block of %q", section)
	}
}

// firstGoBlock returns the first fenced Go block after heading.
func firstGoBlock(t *testing.T, markdown, heading string) string {
	_, after, found := strings.Cut(markdown, "\n"+heading+"\n")
	require.True(t, found, "no heading %q", heading)
	_, block, found := strings.Cut(after, "```go\n")
	require.True(t, found, "no Go block after %q", heading)
	block, _, found = strings.Cut(block, "```")
	require.True(t, found, "unclosed Go block after %q", heading)
	return block
}
