// Package js holds the JavaScript side of package worker as files, for the
// edgeworker command, which writes them into every Worker it builds:
// entry.mjs (the Worker's entry module: static files, then Go) and
// worker.mjs (the glue that runs the Go program and hands it the requests).
package js

import "embed"

// Files holds entry.mjs and worker.mjs.
//
//go:embed entry.mjs worker.mjs
var Files embed.FS
