//go:build js && wasm

package worker

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"syscall/js"
	"time"
)

// refusedFromJS tells p of the requests js/worker.mjs refused, an array of
// { method, url, headers: [[name, value], ...], waitedMs, retryAfter, reason },
// and of those whose Go runtime it retired, { method, url, headers, overdueMs }.
func refusedFromJS(p *Pipeline, reports js.Value) {
	for i := range reports.Length() {
		report := reports.Index(i)
		u, err := url.Parse(report.Get("url").String())
		if err != nil {
			u = &url.URL{Path: "/"} // the URL workerd accepted is one Go cannot parse
		}
		header := http.Header{}
		pairs := report.Get("headers")
		for j := range pairs.Length() {
			header.Add(pairs.Index(j).Index(0).String(), pairs.Index(j).Index(1).String())
		}
		ctx := context.WithValue(context.Background(), envKey{}, true)
		r := (&http.Request{
			Method:     report.Get("method").String(),
			URL:        u,
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
			Header:     header,
			Body:       http.NoBody,
			Host:       u.Host,
			RemoteAddr: header.Get("Cf-Connecting-Ip"),
			RequestURI: u.RequestURI(),
		}).WithContext(ctx)
		if overdue := report.Get("overdueMs"); overdue.Type() == js.TypeNumber {
			p.report(r, fmt.Errorf("%w (after %v)", ErrWaitUntilDeadline, time.Duration(overdue.Float()*float64(time.Millisecond))))
			continue
		}
		waited := time.Duration(report.Get("waitedMs").Float() * float64(time.Millisecond))
		p.refused(ctx, r, waited, report.Get("retryAfter").Int(), report.Get("reason").String())
	}
}
