//go:build !js && !wasip1

package worker_test

// Streamed responses over real sockets (httptest.NewServer): natively only,
// as js/wasm and wasip1 have no sockets to listen on. In a Worker, the edge
// tier streams through workerd (worker/test/stream.test.js).

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgesignals/edgesignals/signals"
	"github.com/edgesignals/edgesignals/worker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type tick struct{ N int }

// within fails the test if ch does not deliver before a generous bound: a
// liveness check, not a speed one.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not within 10 s", what)
		panic("unreachable")
	}
}

func TestAFlushingHandlerStreamsItsBodyChunkByChunk(t *testing.T) {
	next := make(chan struct{})
	p, log := newPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := range 3 {
			io.WriteString(w, strings.Repeat(string(rune('a'+i)), 3)+"\n")
			w.(http.Flusher).Flush()
			<-next // the client has read this chunk
		}
		io.WriteString(w, "end\n") // after the last Flush: sent as the handler returns
	}), worker.Options{Timeout: time.Minute})
	results := make(chan worker.Result, 1)
	p.Done.AddListener(func(ctx context.Context, res worker.Result) { results <- res })
	server := httptest.NewServer(p)
	defer server.Close()

	response, err := http.Get(server.URL)
	require.NoError(t, err)
	defer response.Body.Close()
	assert.Equal(t, 200, response.StatusCode)
	assert.Equal(t, "text/plain", response.Header.Get("Content-Type"))
	assert.Empty(t, response.Header.Get("Content-Length"), "a stream has no length of its own")
	lines := bufio.NewReader(response.Body)
	for _, want := range []string{"aaa\n", "bbb\n", "ccc\n"} {
		line, err := lines.ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, want, line, "each chunk arrives before the handler writes the next")
		select {
		case <-results:
			t.Fatal("Done was emitted before the stream ended")
		default:
		}
		next <- struct{}{}
	}
	rest, err := io.ReadAll(lines)
	require.NoError(t, err)
	assert.Equal(t, "end\n", string(rest))
	res := within(t, results, "Done after the stream")
	assert.Equal(t, 200, res.Status)
	assert.NoError(t, res.Err)
	assert.Empty(t, log.all())
}

func TestAStreamEndsTheHandlersContextWhenTheClientGoesAway(t *testing.T) {
	ended := make(chan error, 1)
	p, _ := newPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := io.WriteString(w, "tick\n"); err != nil {
				ended <- errors.Join(err, r.Context().Err())
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				ended <- r.Context().Err()
				return
			case <-time.After(time.Millisecond):
			}
		}
	}), worker.Options{})
	server := httptest.NewServer(p)
	defer server.Close()

	response, err := http.Get(server.URL)
	require.NoError(t, err)
	line, err := bufio.NewReader(response.Body).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "tick\n", line)
	response.Body.Close() // the client goes away
	assert.ErrorIs(t, within(t, ended, "the handler's context ending"), context.Canceled)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	assert.NoError(t, p.Wait(ctx), "the pipeline's work did not end")
}

func TestStreamSignalSendsEachEmitAsAnEventWithItsID(t *testing.T) {
	sig := signals.NewSync[tick]()
	lastIDs := make(chan string, 1)
	p, _ := newPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lastIDs <- worker.LastEventID(r)
		worker.StreamSignal(w, r, sig, 16, func(v tick) string { return strconv.Itoa(v.N) })
	}), worker.Options{})
	server := httptest.NewServer(p)
	defer server.Close()

	req, _ := http.NewRequest("GET", server.URL, nil)
	req.Header.Set("Last-Event-ID", "41")
	response, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	assert.Equal(t, "41", within(t, lastIDs, "the handler"))
	assert.Equal(t, "text/event-stream", response.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", response.Header.Get("Cache-Control"))
	// The listener is there once the head came.
	require.True(t, eventually(func() bool { return sig.Len() == 1 }), "no listener on the signal")
	lines := bufio.NewReader(response.Body)
	for n := 42; n < 45; n++ {
		sig.Emit(t.Context(), tick{n})
		var event []string
		for {
			line, err := lines.ReadString('\n')
			require.NoError(t, err)
			if line == "\n" {
				break
			}
			event = append(event, strings.TrimSuffix(line, "\n"))
		}
		assert.Equal(t, []string{"id: " + strconv.Itoa(n), `data: {"N":` + strconv.Itoa(n) + `}`}, event)
	}
	response.Body.Close() // the client goes away: the listener goes too
	assert.True(t, eventually(func() bool { return sig.Len() == 0 }), "the stream's listener was left on the signal")
}

// eventually polls cond for up to 10 s: a liveness check.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}
