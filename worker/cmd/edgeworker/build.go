package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	glue "github.com/edgesignals/edgesignals/worker/js"
)

// workerPackage is the package whose Serve a Worker's main must call, and
// whose ServeHubRules the main of a hub's rules must call.
const workerPackage = "github.com/edgesignals/edgesignals/worker"

// pkg is the main package being built, as go list sees it for js/wasm.
type pkg struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	Module     *struct{ Dir string }
	Error      *struct{ Err string }
}

// build writes the Worker folder for opts.pkg and returns the package.
func build(opts *options) (*pkg, error) {
	p, err := load(opts.pkg, "Serve")
	if err != nil {
		return nil, err
	}
	if opts.rules != "" {
		if _, err := load(opts.rules, "ServeHubRules"); err != nil {
			return nil, fmt.Errorf("-hub-rules: %w", err)
		}
	}
	if err := checkOut(opts, p); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.out, 0o755); err != nil {
		return nil, err
	}
	// Built aside, so that a failed build leaves the last good one.
	wasm := filepath.Join(opts.out, "app.wasm")
	if err := goBuild(opts.pkg, wasm+".tmp"); err != nil {
		return nil, err
	}
	if err := os.Rename(wasm+".tmp", wasm); err != nil {
		return nil, err
	}
	// The hub's rules, if any: a Go program of their own, which hub-rules.mjs
	// hands to the hub's class (see entry.mjs).
	rules := filepath.Join(opts.out, "rules.wasm")
	if opts.rules == "" {
		if err := os.Remove(rules); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	} else {
		if err := goBuild(opts.rules, rules+".tmp"); err != nil {
			return nil, err
		}
		if err := os.Rename(rules+".tmp", rules); err != nil {
			return nil, err
		}
	}
	goroot, err := goEnv("GOROOT")
	if err != nil {
		return nil, err
	}
	// The wasm_exec.js of the toolchain that built app.wasm: the two must match.
	wasmExec, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return nil, fmt.Errorf("Go's wasm_exec.js: %w (edgeworker needs Go 1.24 or later)", err)
	}
	files := map[string][]byte{"wasm_exec.js": wasmExec}
	for _, name := range []string{"entry.mjs", "worker.mjs", "hub.mjs"} {
		if files[name], err = fs.ReadFile(glue.Files, name); err != nil {
			return nil, err
		}
	}
	assets, err := writeStatic(opts.static, opts.out)
	if err != nil {
		return nil, err
	}
	vars, err := readDevVars(filepath.Join(p.Dir, ".dev.vars"))
	if err != nil {
		return nil, err
	}
	for _, v := range vars {
		if v.name == "GO_POOL" {
			return nil, errors.New(".dev.vars sets GO_POOL: set it with -pool, which wrangler.toml gets too")
		}
	}
	name := opts.name
	if name == "" {
		name = workerName(p.ImportPath)
	}
	files["assets.mjs"] = assetsModule(assets)
	files["hub-rules.mjs"] = hubRulesModule(opts.rules)
	hubStorage := ""
	if opts.hub {
		// workerd takes a disk path from its working directory: an absolute
		// one lets the config be served from anywhere.
		if hubStorage, err = filepath.Abs(filepath.Join(opts.out, "hub-storage")); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(hubStorage, 0o755); err != nil {
			return nil, err
		}
	}
	files["config.capnp"] = workerdConfig(opts.pkg, assets, opts.pool, vars, hubStorage, opts.rules != "")
	settings, err := readWranglerSettings(filepath.Join(p.Dir, "wrangler.toml"))
	if err != nil {
		return nil, err
	}
	files["wrangler.toml"] = wranglerConfig(name, opts.pool, opts.hub, settings)
	// wrangler dev, run in the folder, reads the variables from there.
	if devVars, err := os.ReadFile(filepath.Join(p.Dir, ".dev.vars")); err == nil {
		files[".dev.vars"] = devVars
	}
	for file, content := range files {
		if err := os.WriteFile(filepath.Join(opts.out, file), content, 0o644); err != nil {
			return nil, err
		}
	}
	size := "?"
	if info, err := os.Stat(wasm); err == nil {
		size = fmt.Sprintf("%.1f MB", float64(info.Size())/1e6)
	}
	log.Printf("built %s into %s (app.wasm %s, %d static files)", opts.pkg, opts.out, size, len(assets))
	return p, nil
}

// checkOut refuses a Worker folder that holds files of the user's: every
// build rewrites it, and replaces its public/.
func checkOut(opts *options, p *pkg) error {
	out, err := filepath.Abs(opts.out)
	if err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	if out == cwd || out == p.Dir {
		return fmt.Errorf("-o %s: the Worker folder must be one of its own, which every build rewrites, not the current or the package's folder", opts.out)
	}
	if opts.static != "" {
		static, err := filepath.Abs(opts.static)
		if err != nil {
			return err
		}
		if inside(static, out) || inside(out, static) {
			return fmt.Errorf("-o %s: the Worker folder and the -static folder %s must not hold one another: every build replaces %s", opts.out, opts.static, filepath.Join(opts.out, "public"))
		}
	}
	return nil
}

// inside reports whether path is dir or a path under it.
func inside(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// load asks go list about pattern, as built for js/wasm, and checks that it
// is one main package that calls fn of package worker: Serve for a Worker,
// ServeHubRules for a hub's rules.
func load(pattern, fn string) (*pkg, error) {
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Name,Dir,GoFiles,Module,Error", pattern)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v\n%s", pattern, err, strings.TrimSpace(stderr.String()))
	}
	var found []*pkg
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		p := &pkg{}
		if err := dec.Decode(p); err != nil {
			return nil, fmt.Errorf("go list %s: %v", pattern, err)
		}
		found = append(found, p)
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%s matches %d packages: name one main package", pattern, len(found))
	}
	p := found[0]
	if p.Error != nil {
		return nil, fmt.Errorf("%s: %s", pattern, p.Error.Err)
	}
	what := map[string]string{"Serve": "a Worker", "ServeHubRules": "a hub's rules program"}[fn]
	if p.Name != "main" {
		return nil, fmt.Errorf("%s is package %s, not a main package: %s is a main package whose main calls worker.%s", pattern, p.Name, what, fn)
	}
	serves, err := calls(p, fn)
	if err != nil {
		return nil, err
	}
	if !serves {
		return nil, fmt.Errorf("%s never calls worker.%s (of %s) in the files it builds for GOOS=js: the main of %s must", pattern, fn, workerPackage, what)
	}
	return p, nil
}

// calls reports whether a file of p calls function fn of workerPackage.
func calls(p *pkg, fn string) (bool, error) {
	fset := token.NewFileSet()
	for _, file := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, file), nil, parser.SkipObjectResolution)
		if err != nil {
			return false, err
		}
		local := ""
		for _, spec := range f.Imports {
			if path, _ := strconv.Unquote(spec.Path.Value); path == workerPackage {
				local = "worker"
				if spec.Name != nil {
					local = spec.Name.Name
				}
			}
		}
		if local == "" || local == "_" {
			continue
		}
		found := false
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return !found
			}
			switch callee := call.Fun.(type) {
			case *ast.SelectorExpr:
				x, ok := callee.X.(*ast.Ident)
				found = found || ok && x.Name == local && callee.Sel.Name == fn
			case *ast.Ident:
				found = found || local == "." && callee.Name == fn
			}
			return !found
		})
		if found {
			return true, nil
		}
	}
	return false, nil
}

// goBuild builds pattern for js/wasm into out; the compiler's errors go to
// stderr as they are.
func goBuild(pattern, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pattern)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		os.Remove(out)
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("GOOS=js GOARCH=wasm go build %s failed", pattern)
		}
		return err
	}
	return nil
}

// goEnv returns a variable of go env, as the go command on PATH sees it.
func goEnv(name string) (string, error) {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}
