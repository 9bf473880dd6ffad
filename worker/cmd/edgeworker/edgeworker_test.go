//go:build !js && !wasip1

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	glue "github.com/edgesignals/edgesignals/worker/js"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	opts, err := parse([]string{"dev", "-port", "9000", "-static", "www", "./cmd/api"}, io.Discard)
	require.NoError(t, err)
	defaults := `{"idleMs":20000,"memoryMB":64,"queue":64,"queueTimeoutMs":5000,"waitUntilTimeoutMs":25000}`
	assert.Equal(t, &options{pkg: "./cmd/api", out: "build", static: "www", pool: defaults, port: 9000}, opts)

	opts, err = parse([]string{"build"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, ".", opts.pkg)

	for _, args := range [][]string{
		{}, {"serve"}, {"build", "a", "b"}, {"dev", "-port", "0"}, {"dev", "-port", "70000"},
		{"build", "-port", "9000"}, // build serves nothing
		{"build", "-name", "Not_A_Name"},
		{"build", "-pool", `{"memoryMB":"lots"}`}, {"build", "-pool", `{"memoryMb":48}`},
		{"build", "-pool", `{"queue":-1}`}, {"build", "-pool", "[48]"}, {"build", "-pool", "null"},
	} {
		_, err := parse(args, io.Discard)
		assert.Error(t, err, "%q", args)
	}
}

func TestPoolSetting(t *testing.T) {
	opts, err := parse([]string{"build", "-pool", `{"memoryMB": 48}`}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, `{"idleMs":20000,"memoryMB":48,"queue":64,"queueTimeoutMs":5000,"waitUntilTimeoutMs":25000}`, opts.pool, "the others keep their defaults")

	// The defaults are the glue's own.
	source, err := fs.ReadFile(glue.Files, "worker.mjs")
	require.NoError(t, err)
	m := regexp.MustCompile(`const POOL_DEFAULTS = \{ ([^}]*) \};`).FindSubmatch(source)
	require.NotNil(t, m, "worker.mjs has no POOL_DEFAULTS")
	glueDefaults := map[string]float64{}
	for _, setting := range strings.Split(string(m[1]), ", ") {
		name, value, _ := strings.Cut(setting, ": ")
		n, err := strconv.ParseFloat(value, 64)
		require.NoError(t, err, setting)
		glueDefaults[name] = n
	}
	assert.Equal(t, glueDefaults, poolDefaults)

	config := string(workerdConfig("./x", nil, opts.pool, nil, "", false))
	assert.Contains(t, config, `(name = "GO_POOL", json = "{\"idleMs\":20000,\"memoryMB\":48,\"queue\":64,\"queueTimeoutMs\":5000,\"waitUntilTimeoutMs\":25000}"),`)
	assert.Contains(t, string(wranglerConfig("x", opts.pool, false, nil)), "[vars]\nGO_POOL = '"+opts.pool+"'\n")
}

func mustPool(t *testing.T, setting string) string {
	pool, err := goPool(setting)
	require.NoError(t, err)
	return pool
}

func TestLoadRefusesWhatCannotBeAWorker(t *testing.T) {
	_, err := load("./testdata/library", "Serve")
	assert.ErrorContains(t, err, "is package library, not a main package")
	_, err = load("./testdata/noserve", "Serve")
	assert.ErrorContains(t, err, "never calls worker.Serve")
	_, err = load("./testdata/nothing-here", "Serve")
	assert.Error(t, err)
	_, err = load("../../../jsbridge/...", "Serve")
	assert.Regexp(t, `matches [2-9][0-9]* packages: name one main package`, err)
	_, err = load("./testdata/...", "Serve") // wildcards leave testdata out
	assert.ErrorContains(t, err, "matches 0 packages")

	p, err := load("./testdata/aliased", "Serve") // edge.Serve is worker.Serve
	require.NoError(t, err)
	assert.Equal(t, "main", p.Name)
}

func TestWranglerSettingsGoBetweenTheHeaderAndTheRules(t *testing.T) {
	file := filepath.Join(t.TempDir(), "wrangler.toml")
	settings, err := readWranglerSettings(file)
	require.NoError(t, err)
	assert.Empty(t, settings, "no file, no settings")
	assert.NotContains(t, string(wranglerConfig("w", "{}", false, nil)), "From the package")

	own := "workers_dev = true\n\n[[d1_databases]]\nbinding = \"DB\"\nname = \"a table's key, not the Worker's\"\n\n[triggers]\ncrons = [\"* * * * *\"]\n"
	require.NoError(t, os.WriteFile(file, []byte(own), 0o644))
	settings, err = readWranglerSettings(file)
	require.NoError(t, err)
	config := string(wranglerConfig("w", "{}", false, settings))
	at := strings.Index(config, "workers_dev = true")
	require.Positive(t, at, config)
	assert.Less(t, strings.Index(config, `compatibility_date = "`), at, "a top-level key of the package's file would land in a table")
	assert.Greater(t, strings.Index(config, "[[rules]]"), strings.Index(config, `crons = ["* * * * *"]`), config)

	for _, bad := range []string{"name = \"mine\"\n", "main = \"x.mjs\"\n", " compatibility_date = \"2020-01-01\"\n", "[[ rules ]]\ntype = \"Text\"\n", "[vars]\nX = \"1\"\n"} {
		require.NoError(t, os.WriteFile(file, []byte(bad), 0o644))
		_, err := readWranglerSettings(file)
		assert.ErrorContains(t, err, "is written by edgeworker", "%q", bad)
	}
}

func TestReadDevVars(t *testing.T) {
	file := filepath.Join(t.TempDir(), ".dev.vars")
	vars, err := readDevVars(file)
	require.NoError(t, err)
	assert.Empty(t, vars, "no file, no variables")

	require.NoError(t, os.WriteFile(file, []byte("# local only\nAPI_TOKEN=dev-token\n\n  DEBUG = \"on\" \nQUOTE='a \"b\"'\nEMPTY=\n"), 0o644))
	vars, err = readDevVars(file)
	require.NoError(t, err)
	assert.Equal(t, []variable{{"API_TOKEN", "dev-token"}, {"DEBUG", "on"}, {"QUOTE", `a "b"`}, {"EMPTY", ""}}, vars)

	for _, bad := range []string{"no equals sign", "1ST=x", "A-B=x"} {
		require.NoError(t, os.WriteFile(file, []byte(bad+"\n"), 0o644))
		_, err = readDevVars(file)
		assert.ErrorContains(t, err, ".dev.vars:1:", "%q", bad)
	}
}

func TestCapnpString(t *testing.T) {
	assert.Equal(t, `"plain"`, capnpString("plain"))
	assert.Equal(t, `"a \"quoted\" \\ path\x0a\x00é"`, capnpString("a \"quoted\" \\ path\n\x00é"))
}

func TestWorkerName(t *testing.T) {
	assert.Equal(t, "api", workerName("example.com/shop/cmd/api"))
	assert.Equal(t, "my-app", workerName("example.com/My_App"))
	assert.Equal(t, "worker", workerName("example.com/__"))
	assert.Len(t, workerName("example.com/"+strings.Repeat("a", 100)), 63)
	for _, name := range []string{"api", "my-app", "a1", "x"} {
		assert.True(t, validName(name), name)
	}
	for _, name := range []string{"", "-a", "a-", "A", "a_b", strings.Repeat("a", 64)} {
		assert.False(t, validName(name), name)
	}
}

func TestWriteStatic(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	page := []byte("<!doctype html><title>hi</title>" + strings.Repeat("<p>hello</p>", 100))
	files := map[string][]byte{
		"index.html":            page,
		"a/b/app.0123abcd.wasm": append([]byte("\x00asm\x01\x00\x00\x00"), make([]byte, 1000)...),
		"a/tiny.js":             []byte("x"), // gzip would make it larger
		"img/photo.png":         []byte("not really a png, but png is not gzipped"),
		"data.bin":              []byte("?"),
		".hidden":               []byte("secret"),
		".git/config":           []byte("secret"),
	}
	for name, body := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), body, 0o644))
	}
	// A file left by an earlier build goes away.
	require.NoError(t, os.MkdirAll(filepath.Join(out, "public"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(out, "public", "stale.txt"), nil, 0o644))

	assets, err := writeStatic(dir, out)
	require.NoError(t, err)
	got := map[string]asset{}
	for _, a := range assets {
		a.etag = ""
		got[a.urlPath] = a
	}
	assert.Equal(t, map[string]asset{
		"/index.html":            {urlPath: "/index.html", module: "public/index.html.gz", gzip: true, mediaType: "text/html; charset=utf-8"},
		"/a/b/app.0123abcd.wasm": {urlPath: "/a/b/app.0123abcd.wasm", module: "public/a/b/app.0123abcd.wasm.gz", gzip: true, mediaType: "application/wasm", immutable: true},
		"/a/tiny.js":             {urlPath: "/a/tiny.js", module: "public/a/tiny.js", mediaType: "text/javascript; charset=utf-8"},
		"/img/photo.png":         {urlPath: "/img/photo.png", module: "public/img/photo.png", mediaType: "image/png"},
		"/data.bin":              {urlPath: "/data.bin", module: "public/data.bin", mediaType: "application/octet-stream"},
	}, got)
	assert.NoFileExists(t, filepath.Join(out, "public", "stale.txt"))

	// What the Worker holds decompresses to the file.
	packed, err := os.ReadFile(filepath.Join(out, "public", "index.html.gz"))
	require.NoError(t, err)
	r, err := gzip.NewReader(bytes.NewReader(packed))
	require.NoError(t, err)
	unpacked, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, page, unpacked)

	// The ETag follows the content.
	assert.Regexp(t, `^W/"[0-9a-f]{24}"$`, assets[0].etag)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), append(page, '!'), 0o644))
	again, err := writeStatic(dir, out)
	require.NoError(t, err)
	for i := range assets {
		assert.Equal(t, assets[i].urlPath != "/index.html", assets[i].etag == again[i].etag, assets[i].urlPath)
	}

	_, err = writeStatic(filepath.Join(dir, "index.html"), out)
	assert.ErrorContains(t, err, "not a folder")
}

func TestHashedNames(t *testing.T) {
	for name, hashed := range map[string]bool{
		"app.0123abcd.wasm":          true,
		"edgesignals.3f9c21e0aa.js":  true,
		"app.wasm":                   false,
		"app.0123abc.wasm":           false, // 7 digits
		"app.0123ABCD.wasm":          false, // upper case
		"app-0123abcd.wasm":          false,
		"0123abcd.wasm":              false, // the hash is not a name part of its own
		"app.0123abcd.wasm.gz.other": false,
	} {
		assert.Equal(t, hashed, hashedName.MatchString(name), name)
	}
}

func TestAssetsModuleQuotesEverything(t *testing.T) {
	src := string(assetsModule([]asset{{urlPath: `/a "b".js`, module: `public/a "b".js`, mediaType: "text/javascript; charset=utf-8", etag: `W/"00"`}}))
	assert.Contains(t, src, `import f0 from "./public/a \"b\".js";`)
	assert.Contains(t, src, `["/a \"b\".js", { body: f0, type: "text/javascript; charset=utf-8", gzip: false, etag: "W/\"00\"", immutable: false }]`)
}

// The version the workerd hint names is the one the edge tier tests with.
func TestWorkerdVersionIsThePinnedOne(t *testing.T) {
	data, err := os.ReadFile("../../package.json")
	require.NoError(t, err)
	var pkg struct{ DevDependencies map[string]string }
	require.NoError(t, json.Unmarshal(data, &pkg))
	assert.Equal(t, workerdVersion, pkg.DevDependencies["workerd"])
}

// The Worker folder is rewritten at every build: it must not hold the
// user's own files.
func TestBuildRefusesAWorkerFolderThatHoldsYourFiles(t *testing.T) {
	dir := t.TempDir()
	static := filepath.Join(dir, "public")
	require.NoError(t, os.MkdirAll(static, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(static, "index.html"), []byte("mine"), 0o644))
	for _, opts := range []*options{
		{pkg: "./testdata/aliased", out: "./testdata/aliased"}, // the package's folder
		{pkg: "./testdata/aliased", out: "."},                  // the current folder
		{pkg: "./testdata/aliased", out: dir, static: static},  // public/ would be replaced
		{pkg: "./testdata/aliased", out: static, static: static},
	} {
		_, err := build(opts)
		assert.ErrorContains(t, err, "-o "+opts.out, "%+v", opts)
	}
	body, err := os.ReadFile(filepath.Join(static, "index.html"))
	require.NoError(t, err)
	assert.Equal(t, "mine", string(body))
}

// -hub binds the signal hub in both configs; without it neither names it.
func TestHubBinding(t *testing.T) {
	opts, err := parse([]string{"build", "-hub"}, io.Discard)
	require.NoError(t, err)
	assert.True(t, opts.hub)

	capnp := string(workerdConfig(".", nil, opts.pool, nil, "/srv/w/hub-storage", false))
	assert.Contains(t, capnp, `(name = "hub-storage", disk = (path = "/srv/w/hub-storage", writable = true)),`)
	assert.Contains(t, capnp, `(name = "HUB", durableObjectNamespace = "SignalHub"),`)
	assert.Contains(t, capnp, `durableObjectNamespaces = [(className = "SignalHub", uniqueKey = "edgesignals-hub", enableSql = true)],`)
	assert.Contains(t, capnp, `durableObjectStorage = (localDisk = "hub-storage"),`)
	toml := string(wranglerConfig("w", opts.pool, true, nil))
	assert.Contains(t, toml, "[[durable_objects.bindings]]\nname = \"HUB\"\nclass_name = \"SignalHub\"\n")
	assert.Contains(t, toml, "[[migrations]]\ntag = \"hub-v1\"\nnew_sqlite_classes = [\"SignalHub\"]\n")

	plain := string(workerdConfig(".", nil, opts.pool, nil, "", false))
	assert.NotContains(t, plain, "SignalHub")
	assert.Contains(t, plain, `(name = "hub.mjs", esModule = embed "hub.mjs"),`, "entry.mjs imports it either way")
	assert.NotContains(t, string(wranglerConfig("w", opts.pool, false, nil)), "SignalHub")
}

// -hub-rules builds a rules program beside the Worker and hands it to the
// hub's class; it implies -hub. A package that never calls
// worker.ServeHubRules is refused.
func TestHubRules(t *testing.T) {
	opts, err := parse([]string{"build", "-hub-rules", "./rules"}, io.Discard)
	require.NoError(t, err)
	assert.True(t, opts.hub)
	assert.Equal(t, "./rules", opts.rules)

	capnp := string(workerdConfig(".", nil, opts.pool, nil, "/srv/w/hub-storage", true))
	assert.Contains(t, capnp, `(name = "rules.wasm", wasm = embed "rules.wasm"),`)
	assert.Contains(t, capnp, `(name = "hub-rules.mjs", esModule = embed "hub-rules.mjs"),`)
	plain := string(workerdConfig(".", nil, opts.pool, nil, "", false))
	assert.NotContains(t, plain, "rules.wasm")
	assert.Contains(t, plain, `(name = "hub-rules.mjs", esModule = embed "hub-rules.mjs"),`, "entry.mjs imports it either way")
	assert.Contains(t, string(wranglerConfig("w", opts.pool, true, nil)), `globs = ["**/app.wasm", "**/rules.wasm"]`)

	assert.Contains(t, string(hubRulesModule("./rules")), "import rules from \"./rules.wasm\";\nexport default rules;\n")
	assert.Contains(t, string(hubRulesModule("")), "export default null;\n")

	p, err := load("../../internal/testrules", "ServeHubRules")
	require.NoError(t, err)
	assert.Equal(t, "main", p.Name)
	_, err = load("./testdata/aliased", "ServeHubRules") // a Worker, not rules
	assert.ErrorContains(t, err, "never calls worker.ServeHubRules")
	_, err = build(&options{pkg: "./testdata/aliased", out: t.TempDir(), hub: true, rules: "./testdata/noserve"})
	assert.ErrorContains(t, err, "-hub-rules: ./testdata/noserve never calls worker.ServeHubRules")
}
