// Command edgeworker builds a Go main package that calls worker.Serve into a
// Cloudflare Worker, and serves it in local workerd. Run it from your own
// module, which requires github.com/edgesignals/edgesignals:
//
//	go run github.com/edgesignals/edgesignals/worker/cmd/edgeworker build [flags] [package]
//	go run github.com/edgesignals/edgesignals/worker/cmd/edgeworker dev [flags] [package]
//
// build writes the Worker folder (-o, by default ./build):
//
//	app.wasm      the package, built with GOOS=js GOARCH=wasm, -trimpath and -ldflags=-s -w
//	wasm_exec.js  Go's JavaScript support, from the toolchain that built app.wasm
//	entry.mjs     the entry module: static files, the signal hub, then the Go program
//	worker.mjs    the glue that runs the Go program and hands it the requests
//	hub.mjs       the signal hub's Durable Object class, SignalHub
//	hub-rules.mjs the hub's Go rules (-hub-rules), or none
//	assets.mjs    the static files, with public/ holding them (gzip where it helps)
//	config.capnp  a workerd config: workerd serve config.capnp
//	wrangler.toml for npx wrangler deploy, from the folder
//
// dev builds the folder, serves it with workerd on 127.0.0.1 (-port, 8787 by
// default) and builds and restarts it when a .go file of the package or of
// its dependencies in your own modules changes, or a static file or
// .dev.vars. workerd is an npm package: install it next to your go.mod
// (npm install --save-dev workerd), put it on PATH, or name it with -workerd.
//
// With -static dir, the Worker answers GET and HEAD requests for the files
// of dir (dir/a/b.css at /a/b.css, dir/a/index.html at /a/) before the Go
// program sees them. A file whose name carries a content hash of 8 or more
// lowercase hex digits before its extension (app.3f9c21e0.wasm) is sent
// with Cache-Control: public, max-age=31536000, immutable; the others with
// no-cache and an ETag.
//
// With -hub, the Worker binds a signal hub (docs/hub.md of
// github.com/edgesignals/edgesignals): SignalHub as the Durable Object
// namespace HUB with SQLite storage, kept locally in the folder's
// hub-storage, and requests under /hub/ go to it; from Go,
// worker.Hub{Binding: "HUB"} emits on it. wrangler.toml gets the binding
// and its migration.
//
// With -hub-rules package (which implies -hub), the hub runs the rules of
// that main package, which calls worker.ServeHubRules: who may connect to
// which signal, and what an event must be. It is built like the Worker,
// into rules.wasm, and the hub object starts it in a Go runtime of its
// own; without -hub-rules the hub has no rules and never starts Go.
//
// -pool sets GO_POOL, the memory budget of the Worker's Go runtimes (see
// worker/js/worker.mjs): a JSON object of memoryMB (the linear memory all
// runtimes of an isolate may hold together), queue (how many requests may
// wait for a runtime), queueTimeoutMs (how long one may wait), idleMs (idle
// runtimes beyond the most requests served at once in the last idleMs are
// released) and waitUntilTimeoutMs (how long a request's work may go on
// after its response before its runtime is retired); settings left out keep
// their defaults, {"idleMs":20000,"memoryMB":64,"queue":64,"queueTimeoutMs":5000,"waitUntilTimeoutMs":25000}.
// Both config.capnp and wrangler.toml get it.
//
// The variables of .dev.vars in the package's folder (NAME=value lines, as
// for wrangler) become text bindings in config.capnp, for local development
// only: wrangler.toml does not get them (the file is copied into the folder,
// where wrangler dev reads it). Set deployed secrets with
// npx wrangler secret put NAME.
//
// A wrangler.toml in the package's folder holds the Worker's other settings:
// bindings (D1, KV, R2, Queues), Cron Triggers, queue consumers. edgeworker
// copies it into the folder's wrangler.toml, after the name, main module and
// compatibility date it writes (which the package's file must not set), so
// that `wrangler dev --local` in the folder runs them in miniflare and
// `wrangler deploy` deploys them. entry.mjs hands the Worker's scheduled and
// queue events to the Go program as it does requests (worker.Pipeline's
// Scheduled and Queue signals). workerd serve config.capnp has no such
// bindings.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
)

// compatibilityDate is the Workers compatibility date of the Workers that
// edgeworker writes; workerdVersion is the workerd they are tested with
// (worker/package.json pins the same one).
const (
	compatibilityDate = "2026-11-01"
	workerdVersion    = "1.20261117.1"
)

// options are the command line of build and dev.
type options struct {
	pkg     string // the main package, as go build takes it
	out     string // -o: the Worker folder
	static  string // -static: the folder of static files, or ""
	hub     bool   // -hub: bind the signal hub
	rules   string // -hub-rules: the main package of the hub's rules, or ""
	name    string // -name: the Worker's name in wrangler.toml, or "" for the package's
	pool    string // -pool: GO_POOL, the Go runtimes' memory budget, as JSON
	port    int    // -port (dev)
	workerd string // -workerd (dev): the workerd executable, or "" to look for it
}

const usage = `usage:
  edgeworker build [-o dir] [-static dir] [-hub] [-hub-rules package] [-name name] [-pool json] [package]
  edgeworker dev [-o dir] [-static dir] [-hub] [-hub-rules package] [-name name] [-pool json] [-port 8787] [-workerd path] [package]

build writes a Cloudflare Worker folder for a Go main package that calls
worker.Serve; dev also serves it in local workerd on 127.0.0.1 and rebuilds
it when a .go file changes. The package is "." by default.
`

func main() {
	log.SetFlags(0)
	log.SetPrefix("edgeworker: ")
	opts, err := parse(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "edgeworker: %v\n\n%s", err, usage)
		os.Exit(2)
	}
	if os.Args[1] == "build" {
		_, err = build(opts)
	} else {
		err = dev(opts)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// parse reads the command line: a mode (build or dev), flags, a package.
func parse(args []string, output io.Writer) (*options, error) {
	if len(args) == 0 || (args[0] != "build" && args[0] != "dev") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "help") {
			fmt.Fprint(output, usage)
			return nil, flag.ErrHelp
		}
		return nil, errors.New("say build or dev")
	}
	opts := &options{}
	flags := flag.NewFlagSet("edgeworker "+args[0], flag.ContinueOnError)
	flags.SetOutput(output)
	flags.Usage = func() { fmt.Fprint(output, usage) }
	flags.StringVar(&opts.out, "o", "build", "the Worker `folder` to write")
	flags.StringVar(&opts.static, "static", "", "a `folder` of static files to serve before Go")
	flags.BoolVar(&opts.hub, "hub", false, "bind the signal hub as HUB, served under /hub/")
	flags.StringVar(&opts.rules, "hub-rules", "", "a main `package` that calls worker.ServeHubRules: the hub's rules (implies -hub)")
	flags.StringVar(&opts.name, "name", "", "the Worker's `name` in wrangler.toml (default: the package's last path element)")
	flags.StringVar(&opts.pool, "pool", "", "the Go runtimes' memory budget, GO_POOL: a `JSON` object of memoryMB, queue, queueTimeoutMs, idleMs, waitUntilTimeoutMs")
	if args[0] == "dev" {
		flags.IntVar(&opts.port, "port", 8787, "the `port` to serve on, on 127.0.0.1")
		flags.StringVar(&opts.workerd, "workerd", "", "the workerd `executable` (default: node_modules/.bin/workerd of the package's folder or a parent, then PATH)")
	}
	if err := flags.Parse(args[1:]); err != nil {
		return nil, err
	}
	switch flags.NArg() {
	case 0:
		opts.pkg = "."
	case 1:
		opts.pkg = flags.Arg(0)
	default:
		return nil, fmt.Errorf("one package at a time, got %q", flags.Args())
	}
	if args[0] == "dev" && (opts.port < 1 || opts.port > 65535) {
		return nil, fmt.Errorf("-port %d: a port is 1 to 65535", opts.port)
	}
	if opts.rules != "" {
		opts.hub = true
	}
	pool, err := goPool(opts.pool)
	if err != nil {
		return nil, fmt.Errorf("-pool %s: %w", opts.pool, err)
	}
	opts.pool = pool
	if opts.name != "" && !validName(opts.name) {
		return nil, fmt.Errorf("-name %q: a Worker's name has lowercase letters, digits and dashes, at most 63, and no dash at either end", opts.name)
	}
	return opts, nil
}
