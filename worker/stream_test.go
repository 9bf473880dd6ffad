package worker_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/edgesignals/edgesignals/worker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
