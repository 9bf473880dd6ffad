//go:build js && wasm

// Command hostileworker is the Worker of the edge tier's hostile-handler
// table (worker/test/hostile-handler.test.js): its handlers write what the
// query asks for (any header name and value, any status, 10,000 headers, a
// body past MaxResponseBytes), so that the test can check what reaches the
// client. It also says how many Go runtimes its isolate has started, so
// that the test can tell a reused runtime from a new one. make builds it
// with the edgeworker command into worker/test/build/hostile.
package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/edgesignals/edgesignals/worker"
)

// thisRuntime is this Go runtime's number: the isolate's count of runtime
// starts when it started, kept on globalThis, which every runtime of the
// isolate shares.
var thisRuntime = func() int {
	n := js.Global().Get("hostileWorkerStarts")
	starts := 1
	if n.Type() == js.TypeNumber {
		starts = n.Int() + 1
	}
	js.Global().Set("hostileWorkerStarts", starts)
	return starts
}()

// errs is what OnError received since the last GET /errors.
var errs struct {
	sync.Mutex
	list []string
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /starts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]int{"starts": js.Global().Get("hostileWorkerStarts").Int(), "runtime": thisRuntime})
	})
	mux.HandleFunc("GET /errors", func(w http.ResponseWriter, r *http.Request) {
		errs.Lock()
		defer errs.Unlock()
		writeJSON(w, append([]string{}, errs.list...))
		errs.list = nil
	})
	// ?name=N&value=V, repeated: the handler adds each header as given.
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for i, name := range q["name"] {
			w.Header().Add(name, q["value"][i])
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.WriteHeader(code)
		w.Write([]byte("status " + strconv.Itoa(code)))
	})
	mux.HandleFunc("GET /headers", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		for i := range n {
			w.Header().Set("X-H"+strconv.Itoa(i), "v")
		}
	})
	mux.HandleFunc("GET /big-header", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("bytes"))
		w.Header().Set("X-Big", strings.Repeat("b", n))
	})
	// Writes ?mb= megabytes in 1 MB writes, ignoring their errors.
	mux.HandleFunc("GET /flood", func(w http.ResponseWriter, r *http.Request) {
		mb, _ := strconv.Atoi(r.URL.Query().Get("mb"))
		chunk := make([]byte, 1<<20)
		for range mb {
			w.Write(chunk)
		}
	})
	mux.HandleFunc("GET /sniff", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<!DOCTYPE html><title>no Content-Type set</title>"))
	})
	mux.HandleFunc("GET /request-headers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r.Header)
	})
	mux.HandleFunc("GET /crash", func(w http.ResponseWriter, r *http.Request) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			panic("a panic on a goroutine of its own ends the Go program")
		}()
		<-done
	})

	// The pool's tests (worker/test/pool.test.js): a request that holds its
	// runtime for ?ms=, a side effect that never ends, a body read whole.
	mux.HandleFunc("GET /sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		time.Sleep(time.Duration(ms) * time.Millisecond)
	})
	// A WaitUntil task sleeps ?ms= while the handler waits as long for a
	// JavaScript timer set first, which therefore fires first: Go's sleep
	// falls due while Go handles that callback (as when a hub's answer comes
	// as a WaitUntil sleep ends), before its own wake-up's setTimeout runs.
	mux.HandleFunc("GET /timer-race", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		fired := make(chan struct{}, 1)
		var callback js.Func
		callback = js.FuncOf(func(js.Value, []js.Value) any {
			callback.Release()
			fired <- struct{}{}
			return nil
		})
		js.Global().Call("setTimeout", callback, ms)
		worker.WaitUntil(r.Context(), func(context.Context) { time.Sleep(time.Duration(ms) * time.Millisecond) })
		<-fired
	})
	// A goroutine left sleeping ?ms= past its request, outside WaitUntil:
	// its timer is still pending when the request ends.
	mux.HandleFunc("GET /leave-timer", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		go time.Sleep(time.Duration(ms) * time.Millisecond)
	})
	mux.HandleFunc("GET /hang-later", func(w http.ResponseWriter, r *http.Request) {
		worker.WaitUntil(r.Context(), func(context.Context) { select {} })
	})
	mux.HandleFunc("POST /body", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, map[string]int{"bytes": len(b)})
	})

	p := worker.New(mux, &worker.Options{
		MaxResponseBytes: 8 << 20,
		OnError: func(r *http.Request, err error) {
			errs.Lock()
			defer errs.Unlock()
			errs.list = append(errs.list, err.Error())
		},
	})
	// A Cron Trigger "hang-later" starts a side effect that never ends, as
	// GET /hang-later does for a request.
	p.Scheduled.AddListener(func(ctx context.Context, ev worker.ScheduledEvent) {
		if ev.Cron == "hang-later" {
			worker.WaitUntil(ctx, func(context.Context) { select {} })
		}
	})
	p.Middleware.AddListenerWithErr(func(ctx context.Context, r *worker.Request) error {
		r.ResponseHeader.Set("X-Runtime", strconv.Itoa(thisRuntime))
		return nil
	}, "runtime")
	worker.Serve(p)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
