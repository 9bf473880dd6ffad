//go:build js && wasm

package worker

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall/js"

	"github.com/syumai/workers"
)

// Serve serves p in a Worker and never returns. The Worker's entry module
// is this package's js/worker.mjs, which starts the Go program inside the
// first request, keeps it for the requests after it, one at a time, and
// passes each request's env and ctx: see [Env]. The bindings packages of
// github.com/syumai/workers (cloudflare, kv, fetch, ...) work as usual.
//
// Responses are buffered, not streamed.
func Serve(p *Pipeline) {
	binding := js.Global().Get("context").Get("binding")
	h := host{respond: binding.Get("respond"), finish: binding.Get("finish")}
	binding.Set("maxBodyBytes", p.opts.MaxBodyBytes)
	// Lives as long as the Go program: never released.
	binding.Set("serve", js.FuncOf(func(_ js.Value, args []js.Value) any {
		go h.serve(p, args)
		return nil
	}))
	workers.Ready()
	select {}
}

type envKey struct{}

// Env returns the env object (bindings, variables and secrets) of the
// Worker request whose context ctx is, or undefined outside one.
func Env(ctx context.Context) js.Value {
	env, ok := ctx.Value(envKey{}).(js.Value)
	if !ok {
		return js.Undefined()
	}
	return env
}

// host holds the callbacks of js/worker.mjs.
type host struct {
	respond js.Value // (status, headerLines, body Uint8Array|null)
	finish  js.Value // (): the request's work, WaitUntil tasks included, is over
}

// serve serves one request. Its arguments, from js/worker.mjs, are:
// method, url, header lines ("name\nvalue\n" each), body (Uint8Array or
// null), body length (what was read, or the declared length when the body
// was too large to read), and env.
func (h host) serve(p *Pipeline, args []js.Value) {
	defer h.finish.Invoke()
	out := &response{header: http.Header{}}
	if r, err := newRequest(args); err != nil {
		out.status = http.StatusBadRequest
		out.header.Set("Content-Type", "text/plain; charset=utf-8")
		out.body.WriteString("bad request: " + err.Error() + "\n")
	} else {
		p.ServeHTTP(out, r)
	}
	h.respond.Invoke(out.status, headerLines(out.header), bytesToJS(out.body.Bytes()))
	p.Wait(context.Background())
}

func newRequest(args []js.Value) (*http.Request, error) {
	u, err := url.Parse(args[1].String())
	if err != nil {
		return nil, err
	}
	header := http.Header{}
	lines := strings.Split(args[2].String(), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		header.Add(lines[i], lines[i+1])
	}
	var body []byte
	if b := args[3]; !b.IsNull() {
		body = make([]byte, b.Length())
		js.CopyBytesToGo(body, b)
	}
	ctx := context.WithValue(context.Background(), envKey{}, args[5])
	r := &http.Request{
		Method:        args[0].String(),
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(args[4].Int()),
		Host:          u.Host,
		RemoteAddr:    header.Get("Cf-Connecting-Ip"),
		RequestURI:    u.RequestURI(),
	}
	return r.WithContext(ctx), nil
}

func headerLines(h http.Header) string {
	var b strings.Builder
	for name, values := range h {
		for _, v := range values {
			b.WriteString(name)
			b.WriteByte('\n')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func bytesToJS(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}
