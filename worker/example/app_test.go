package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// vars are the Worker variables of a test pipeline.
type vars map[string]string

func (v vars) get(_ context.Context, name string) string { return v[name] }

func do(p http.Handler, method, path string, header ...string) int {
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	return w.Code
}

// The routes that fail on purpose exist in local development only: a
// deployment (wrangler.toml sets no EDGESIGNALS_DEV) answers 404.
func TestDebugRoutesOnlyInLocalDevelopment(t *testing.T) {
	deployed := newPipeline(vars{"API_TOKEN": "t"}.get)
	local := newPipeline(vars{"API_TOKEN": "t", "EDGESIGNALS_DEV": "1"}.get)
	for _, path := range []string{"/debug/panic", "/debug/panic?in=middleware", "/debug/slow", "/debug/fail-later", "/debug/crash"} {
		assert.Equal(t, http.StatusNotFound, do(deployed, "GET", path), path)
	}
	assert.Equal(t, http.StatusInternalServerError, do(local, "GET", "/debug/panic"))
	assert.Equal(t, http.StatusInternalServerError, do(local, "GET", "/debug/panic?in=middleware"))
	assert.Equal(t, http.StatusGatewayTimeout, do(local, "GET", "/debug/slow"))
	local.Wait(context.Background())
}

func TestBearerToken(t *testing.T) {
	p := newPipeline(vars{"API_TOKEN": "dev-token"}.get)
	assert.Equal(t, http.StatusOK, do(p, "GET", "/api/stats", "Authorization", "Bearer dev-token"))
	for _, auth := range []string{"", "dev-token", "Bearer dev-toke", "Bearer dev-token2", "Bearer ", "bearer dev-token"} {
		assert.Equal(t, http.StatusUnauthorized, do(p, "GET", "/api/stats", "Authorization", auth), auth)
	}
	unset := newPipeline(vars{}.get)
	assert.Equal(t, http.StatusUnauthorized, do(unset, "GET", "/api/stats", "Authorization", "Bearer "), "no token set")
	assert.True(t, sameToken("a", "a"))
	assert.False(t, sameToken("a", "ab"))
}

// The rate limit counts per client: by address, or locally by the name a
// client gives itself; a deployed Worker ignores that name, which any
// client could change at will.
func TestRateLimitPerClient(t *testing.T) {
	statuses := func(p http.Handler, n int, header func(i int) []string) []int {
		var out []int
		for i := range n {
			out = append(out, do(p, "GET", "/api/stats", append([]string{"Authorization", "Bearer t"}, header(i)...)...))
		}
		return out
	}
	twentyThen429 := append(repeat(http.StatusOK, 20), http.StatusTooManyRequests)

	deployed := newPipeline(vars{"API_TOKEN": "t"}.get)
	assert.Equal(t, twentyThen429, statuses(deployed, 21, func(i int) []string { return []string{"X-Client-Id", strconv.Itoa(i)} }),
		"a new X-Client-Id per request got around the limit")

	local := newPipeline(vars{"API_TOKEN": "t", "EDGESIGNALS_DEV": "1"}.get)
	assert.Equal(t, twentyThen429, statuses(local, 21, func(int) []string { return []string{"X-Client-Id", "greedy"} }))
	assert.Equal(t, repeat(http.StatusOK, 20), statuses(local, 20, func(int) []string { return []string{"X-Client-Id", "modest"} }))

	// Without a KV namespace the counts are the runtime's own; local
	// development shows them.
	w := httptest.NewRecorder()
	local.ServeHTTP(w, httptest.NewRequest("GET", "/debug/rate-limit?client=greedy", nil))
	assert.JSONEq(t, `{"client": "greedy", "count": 21, "store": "memory"}`, w.Body.String())
	assert.Equal(t, http.StatusNotFound, do(deployed, "GET", "/debug/rate-limit?client=greedy"))
}

func repeat(status, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = status
	}
	return out
}
