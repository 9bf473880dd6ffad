package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
)

// variable is a text binding of the local config, from .dev.vars.
type variable struct{ name, value string }

// readDevVars reads a .dev.vars file (as wrangler dev does): NAME=value
// lines; blank lines and lines starting with # are skipped; a value in
// single or double quotes loses them. No file: no variables.
func readDevVars(file string) ([]variable, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var vars []variable
	lines := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; lines.Scan(); n++ {
		line := strings.TrimSpace(lines.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !bindingName.MatchString(name) {
			return nil, fmt.Errorf("%s:%d: want NAME=value, NAME of letters, digits and _", file, n)
		}
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		vars = append(vars, variable{name, value})
	}
	return vars, lines.Err()
}

var bindingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// poolDefaults is GO_POOL as the glue has it when unset (POOL_DEFAULTS in
// worker/js/worker.mjs).
var poolDefaults = map[string]float64{"memoryMB": 64, "queue": 64, "queueTimeoutMs": 5000, "idleMs": 20000, "waitUntilTimeoutMs": 25000}

// goPool checks a -pool setting and returns it whole, defaults filled in,
// as the JSON that GO_POOL holds.
func goPool(setting string) (string, error) {
	pool := map[string]float64{}
	for name, value := range poolDefaults {
		pool[name] = value
	}
	if setting != "" {
		var given map[string]any
		if err := json.Unmarshal([]byte(setting), &given); err != nil || given == nil {
			return "", errors.New(`want a JSON object, such as {"memoryMB": 48}`)
		}
		for name, value := range given {
			if _, ok := poolDefaults[name]; !ok {
				return "", fmt.Errorf("unknown setting %q: want memoryMB, queue, queueTimeoutMs, idleMs or waitUntilTimeoutMs", name)
			}
			n, ok := value.(float64)
			if !ok || n < 0 {
				return "", fmt.Errorf("%s must be a number >= 0", name)
			}
			pool[name] = n
		}
	}
	out, err := json.Marshal(pool) // keys sorted
	return string(out), err
}

// workerdConfig is config.capnp: the Worker folder as a workerd service on
// 127.0.0.1:8787, with GO_POOL (pool) as a JSON binding, the .dev.vars
// variables as text bindings, and the signal hub bound as HUB if hubStorage
// (its folder) is not "", with its Go rules (rules.wasm) if rules.
func workerdConfig(pkg string, assets []asset, pool string, vars []variable, hubStorage string, rules bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `# Written by edgeworker for %s: the Worker of this folder in local workerd.
#   workerd serve config.capnp [--socket-addr http=127.0.0.1:PORT]
# Its bindings are the variables of .dev.vars, for local development only.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "worker", worker = .worker),
`, pkg)
	if hubStorage != "" {
		fmt.Fprintf(&b, "    (name = \"hub-storage\", disk = (path = %s, writable = true)),\n", capnpString(hubStorage))
	}
	b.WriteString(`  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "worker")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "entry.mjs", esModule = embed "entry.mjs"),
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "hub.mjs", esModule = embed "hub.mjs"),
    (name = "hub-rules.mjs", esModule = embed "hub-rules.mjs"),
    (name = "wasm_exec.js", esModule = embed "wasm_exec.js"),
    (name = "app.wasm", wasm = embed "app.wasm"),
    (name = "assets.mjs", esModule = embed "assets.mjs"),
`)
	if rules {
		b.WriteString("    (name = \"rules.wasm\", wasm = embed \"rules.wasm\"),\n")
	}
	for _, a := range assets {
		fmt.Fprintf(&b, "    (name = %s, data = embed %[1]s),\n", capnpString(a.module))
	}
	fmt.Fprintf(&b, "  ],\n  compatibilityDate = %q,\n  compatibilityFlags = [%q],\n  bindings = [\n", compatibilityDate, requestSignal)
	fmt.Fprintf(&b, "    (name = \"GO_POOL\", json = %s),\n", capnpString(pool))
	for _, v := range vars {
		fmt.Fprintf(&b, "    (name = %s, text = %s),\n", capnpString(v.name), capnpString(v.value))
	}
	if hubStorage == "" {
		b.WriteString("  ],\n);\n")
		return b.Bytes()
	}
	b.WriteString(`    (name = "HUB", durableObjectNamespace = "SignalHub"),
  ],
  # The signal hub (hub.mjs): one Durable Object per signal, SQLite in hub-storage.
  durableObjectNamespaces = [(className = "SignalHub", uniqueKey = "edgesignals-hub", enableSql = true)],
  durableObjectStorage = (localDisk = "hub-storage"),
);
`)
	return b.Bytes()
}

// capnpString is s as a Cap'n Proto text literal.
func capnpString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c) // UTF-8 passes as it is
		}
	}
	b.WriteByte('"')
	return b.String()
}

// requestSignal is the compatibility flag that gives a Worker's requests a
// signal that aborts when the client goes away.
const requestSignal = "enable_request_signal"

// wranglerConfig is wrangler.toml, for npx wrangler deploy (or wrangler
// dev) from the folder: the name, the entry module, the compatibility date,
// the module rules and GO_POOL (pool, as JSON), with the package's own
// settings (bindings, triggers, queues: see readWranglerSettings) between
// the first three and the rules; with hub, the signal hub's binding and
// migration.
func wranglerConfig(name, pool string, hub bool, settings []byte) []byte {
	config := fmt.Appendf(nil, `# Written by edgeworker at every build: deploy this folder with
#   npx wrangler deploy
# and set secrets with npx wrangler secret put NAME (.dev.vars stays local).
name = %q
main = "entry.mjs"
compatibility_date = %q
# request.signal aborts when the client goes away: the glue then cancels
# the Go handler's context (a streamed response's, say).
compatibility_flags = [%q]
`, name, compatibilityDate, requestSignal)
	if len(settings) > 0 {
		config = append(config, "\n# From the package's wrangler.toml:\n"...)
		config = append(config, bytes.TrimSpace(settings)...)
		config = append(config, '\n')
	}
	config = fmt.Appendf(config, `
# The Go program and the hub's Go rules, as compiled modules: the glue
# and the hub instantiate them.
[[rules]]
type = "CompiledWasm"
globs = ["**/app.wasm", "**/rules.wasm"]

# The static files, as entry.mjs serves them (some gzipped).
[[rules]]
type = "Data"
globs = ["**/public/**"]

# The Go runtimes' memory budget (edgeworker -pool).
[vars]
GO_POOL = '%s'
`, pool)
	if !hub {
		return config
	}
	return append(config, `
# The signal hub (hub.mjs): one Durable Object per signal, with SQLite storage.
[[durable_objects.bindings]]
name = "HUB"
class_name = "SignalHub"

[[migrations]]
tag = "hub-v1"
new_sqlite_classes = ["SignalHub"]
`...)
}

// readWranglerSettings reads the wrangler.toml of a package's folder: the
// Worker's bindings (D1, KV, R2, Queues, ...), Cron Triggers and other
// settings, which edgeworker copies into the folder's wrangler.toml. It
// must leave out what edgeworker writes itself: name, main,
// compatibility_date, compatibility_flags, [[rules]] and [vars] (which holds GO_POOL: set other
// variables with wrangler secret put, and .dev.vars for local runs). No
// file: no settings.
func readWranglerSettings(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	table := false // past the first table header: keys are no longer top-level
	lines := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; lines.Scan(); n++ {
		line := strings.TrimSpace(lines.Text())
		if strings.HasPrefix(line, "[") {
			table = true
			for _, own := range []string{"[[rules]]", "[vars]"} {
				if strings.HasPrefix(strings.ReplaceAll(line, " ", ""), own) {
					return nil, fmt.Errorf("%s:%d: %s is written by edgeworker", file, n, own)
				}
			}
			continue
		}
		key, _, ok := strings.Cut(line, "=")
		if key = strings.TrimSpace(key); ok && !table && (key == "name" || key == "main" || key == "compatibility_date" || key == "compatibility_flags") {
			return nil, fmt.Errorf("%s:%d: %s is written by edgeworker (use -name for the name)", file, n, key)
		}
	}
	return data, lines.Err()
}

// workerName makes a Worker name of an import path's last element.
func workerName(importPath string) string {
	name := strings.Trim(invalidNameRun.ReplaceAllString(strings.ToLower(path.Base(importPath)), "-"), "-")
	if len(name) > 63 {
		name = strings.Trim(name[:63], "-")
	}
	if name == "" {
		return "worker"
	}
	return name
}

var invalidNameRun = regexp.MustCompile(`[^a-z0-9-]+`)

// validName reports whether name is a valid Worker name.
func validName(name string) bool {
	return len(name) <= 63 && regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`).MatchString(name)
}

// hubRulesModule is hub-rules.mjs, which entry.mjs hands to the hub's class
// as its rules: the module of rules.wasm, built from the package rules
// (-hub-rules), or null for none.
func hubRulesModule(rules string) []byte {
	if rules == "" {
		return []byte("// Written by edgeworker: the signal hub has no Go rules (see -hub-rules).\nexport default null;\n")
	}
	return fmt.Appendf(nil, "// Written by edgeworker: the signal hub's Go rules, built from %s.\nimport rules from \"./rules.wasm\";\nexport default rules;\n", rules)
}
