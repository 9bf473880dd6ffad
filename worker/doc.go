// Package worker runs HTTP request pipelines built from signals in
// Cloudflare Workers, with Go compiled to WebAssembly (GOOS=js GOARCH=wasm).
//
// A [Pipeline] is a [signals.SyncSignal] of a per-request [Request]: its
// middleware are keyed listeners that [signals.SyncSignal.TryEmit] runs in
// order, and the first error becomes the response ([HTTPError], a timeout,
// a body over the limit, a panic); then an [net/http.Handler], typically an
// [net/http.ServeMux], writes the response. Side effects run after the
// response, as Done listeners or [WaitUntil] tasks, and the Worker stays
// alive until they finish.
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("POST /api/orders", createOrder)
//	p := worker.New(mux, &worker.Options{Timeout: 500 * time.Millisecond})
//	p.Middleware.AddListenerWithErr(authenticate, "auth")
//	p.Done.AddListener(logRequest, "request-log")
//	worker.Serve(p)
//
// In a Worker, [Serve] takes the requests from this package's glue,
// js/worker.mjs, which keeps a small pool of Go runtimes per isolate and
// reuses them across requests, one request at a time each. The edgeworker
// command (worker/cmd/edgeworker) builds a main package into a Worker with
// that glue, and serves it in local workerd. A Pipeline is an
// [net/http.Handler] too, so it is tested with net/http/httptest, and built
// natively Serve runs it on 127.0.0.1 for debugging.
package worker
