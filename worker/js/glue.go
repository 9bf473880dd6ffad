// Package js holds the JavaScript side of package worker as files, for the
// edgeworker command, which writes them into every Worker it builds:
// entry.mjs (the Worker's entry module: static files, the signal hub, then
// Go), worker.mjs (the glue that runs the Go program and hands it the
// requests) and hub.mjs (the signal hub's Durable Object class).
package js

import "embed"

// Files holds entry.mjs, worker.mjs and hub.mjs.
//
//go:embed entry.mjs worker.mjs hub.mjs
var Files embed.FS
