package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dev builds the Worker, serves it in workerd on 127.0.0.1:opts.port, and
// builds and restarts it when its sources change, until interrupted.
func dev(opts *options) error {
	p, err := load(opts.pkg, "Serve")
	if err != nil {
		return err
	}
	workerd, err := findWorkerd(opts.workerd, p)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.port))
	// Held while building, so that a port taken is said before anything else.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot serve on %s: %v (another server has that port: stop it, or pass -port)", addr, unwrapSyscall(err))
	}
	p, err = build(opts)
	if err != nil {
		ln.Close()
		return err
	}
	watched, err := watch(p, opts)
	if err != nil {
		ln.Close()
		return err
	}
	ln.Close()
	server, err := serve(workerd, opts.out, addr)
	if err != nil {
		return err
	}
	log.Printf("serving %s on http://%s/ (rebuilt when a .go file changes; Ctrl-C stops)", opts.pkg, addr)

	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, os.Interrupt, syscall.SIGTERM)
	last := watched.state()
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-interrupted:
			server.stop()
			return nil
		case <-server.exited:
			return fmt.Errorf("workerd exited: %v", server.cmd.ProcessState)
		case <-tick.C:
		}
		now := watched.state()
		file := now.changed(last)
		if file == "" {
			continue
		}
		last = now
		if cwd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(cwd, file); err == nil && !strings.HasPrefix(rel, "..") {
				file = rel
			}
		}
		log.Printf("%s changed: building %s", file, opts.pkg)
		rebuilt, err := build(opts)
		if err != nil {
			log.Printf("%v; still serving the last good build", err)
			continue
		}
		if w, err := watch(rebuilt, opts); err == nil {
			watched = w
		} else {
			log.Printf("%v; still watching the files of the last build", err)
		}
		last = watched.state()
		server.stop()
		if server, err = serve(workerd, opts.out, addr); err != nil {
			return err
		}
		log.Printf("serving the new build on http://%s/", addr)
	}
}

// unwrapSyscall keeps the operating system's words of a net error
// ("address already in use"), without the call around them.
func unwrapSyscall(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// findWorkerd returns the workerd executable: named by -workerd, else
// node_modules/.bin/workerd of the package's folder or one above it, or of
// the current folder or one above it, else workerd on PATH.
func findWorkerd(named string, p *pkg) (string, error) {
	if named != "" {
		if _, err := exec.LookPath(named); err != nil {
			return "", fmt.Errorf("-workerd %s: %v", named, err)
		}
		return named, nil
	}
	cwd, _ := os.Getwd()
	for _, start := range []string{p.Dir, cwd} {
		for dir := start; dir != ""; {
			bin := filepath.Join(dir, "node_modules", ".bin", "workerd")
			if _, err := exec.LookPath(bin); err == nil {
				return bin, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if bin, err := exec.LookPath("workerd"); err == nil {
		return bin, nil
	}
	where := p.Dir
	if p.Module != nil {
		where = p.Module.Dir
	}
	return "", fmt.Errorf(`workerd, the local Workers runtime, is not installed. It is an npm package: install it with
    cd %s && npm install --save-dev workerd@%s
(or put workerd on PATH, or pass -workerd /path/to/workerd)`, where, workerdVersion)
}

// server is a running workerd.
type server struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has ended
}

// serve starts workerd on the folder's config.capnp at addr and returns
// once it accepts connections there.
func serve(workerd, folder, addr string) (*server, error) {
	cmd := exec.Command(workerd, "serve", "config.capnp", "--socket-addr", "http="+addr)
	cmd.Dir = folder
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting workerd: %w", err)
	}
	s := &server{cmd: cmd, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	// A connection that is accepted says workerd listens: it binds its
	// socket once the Worker has loaded.
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("workerd stopped before it served (%v): see its messages above", cmd.ProcessState)
		default:
		}
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("workerd did not listen on %s within a minute", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills workerd by its process id (it ignores SIGTERM while
// WebSockets are open) and waits for it to end.
func (s *server) stop() {
	s.cmd.Process.Kill()
	<-s.exited
}

// sources are what calls for a new build when it changes: the .go files
// of the package, of the hub's rules package and of their dependencies
// outside GOROOT and the module cache, the static folder's files and
// .dev.vars.
type sources struct {
	goDirs  []string
	static  string
	devVars string
}

func watch(p *pkg, opts *options) (*sources, error) {
	pkgs := []string{p.ImportPath}
	if opts.rules != "" {
		pkgs = append(pkgs, opts.rules)
	}
	out, err := goList(append([]string{"-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}"}, pkgs...)...)
	if err != nil {
		return nil, err
	}
	cache, err := goEnv("GOMODCACHE")
	if err != nil {
		return nil, err
	}
	w := &sources{static: opts.static, devVars: filepath.Join(p.Dir, ".dev.vars")}
	for _, dir := range strings.Fields(out) {
		if cache == "" || !strings.HasPrefix(dir, cache+string(filepath.Separator)) {
			w.goDirs = append(w.goDirs, dir)
		}
	}
	return w, nil
}

// state maps each watched file that exists to its size and modification time.
type state map[string]string

func (w *sources) state() state {
	st := state{}
	stat := func(file string) {
		if info, err := os.Stat(file); err == nil {
			st[file] = fmt.Sprint(info.Size(), info.ModTime().UnixNano())
		}
	}
	stat(w.devVars)
	for _, dir := range w.goDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			stat(file)
		}
	}
	if w.static != "" {
		filepath.WalkDir(w.static, func(file string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				stat(file)
			}
			return nil
		})
	}
	return st
}

// changed names a file that was added, changed or removed since before,
// or returns "".
func (st state) changed(before state) string {
	for file, now := range st {
		if before[file] != now {
			return file
		}
	}
	for file := range before {
		if _, ok := st[file]; !ok {
			return file
		}
	}
	return ""
}

// goList runs go list for js/wasm and returns its output.
func goList(args ...string) (string, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", fmt.Errorf("go list %s: %s", strings.Join(args, " "), exit.Stderr)
		}
		return "", err
	}
	return string(out), nil
}
