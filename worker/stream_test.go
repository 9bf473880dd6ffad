package worker_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edgesignals/edgesignals/worker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func TestAHandlerFailingAfterItsFirstFlushCutsTheStreamAndIsReported(t *testing.T) {
	p, log := newPipeline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial\n")
		w.(http.Flusher).Flush()
		panic("after the head")
	}), worker.Options{})
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	require.NoError(t, p.Wait(context.Background()))
	assert.Equal(t, 200, w.Code, "the status had gone out")
	assert.Equal(t, "partial\n", w.Body.String())
	assert.True(t, w.Flushed)
	errs := log.all()
	require.Len(t, errs, 1)
	assert.ErrorContains(t, errs[0], "after the head")
}

func TestAHandlerThatNeverFlushesIsBuffered(t *testing.T) {
	p, _ := newPipeline(hello, worker.Options{})
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, "5", w.Header().Get("Content-Length"))
	assert.False(t, w.Flushed)
}
