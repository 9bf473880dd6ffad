package worker_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/edgesignals/edgesignals/worker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
