package worker_test

import (
	"bufio"
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

func TestEventStreamSendsMultilineDataAndRefusesMultilineIDs(t *testing.T) {
	w := httptest.NewRecorder()
	stream, err := worker.NewEventStream(w)
	require.NoError(t, err)
	require.NoError(t, stream.Send("7", "order", "line one\nline two"))
	require.NoError(t, stream.Send("", "", ""))
	assert.Error(t, stream.Send("8\ndata: forged", "", "x"))
	require.NoError(t, stream.Retry(1500*time.Millisecond))
	assert.Equal(t, "id: 7\nevent: order\ndata: line one\ndata: line two\n\ndata: \n\nretry: 1500\n\n", w.Body.String())
	assert.True(t, w.Flushed)
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
