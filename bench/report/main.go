// Command report turns the output of repeated `go test -bench` runs into
// docs/benchmarks.md: medians of every benchmark, each set against the
// baseline measured in the same runs (for the sync emits, in the same
// benchmark, interleaved), next to the targets of the issues.
//
//	go run ./report -runs 5 -out ../docs/benchmarks.md bench-1.txt bench-2.txt ...
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is one line of benchmark output.
type result struct {
	ns, allocs float64
	metrics    map[string]float64 // every value of the line, by unit
}

// results holds every run of every benchmark, by full name (with -cpu suffix).
type results map[string][]result

func main() {
	out := flag.String("out", "", "the Markdown file to write (default: standard output)")
	chart := flag.String("chart", "", "where to write the data of the EventBus chart, as JSON for web/bench/chart.js")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("report: name the files holding the `go test -bench` output, one per run")
	}
	rs := results{}
	var header []string
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			log.Fatal(err)
		}
		h, err := rs.parse(f)
		f.Close()
		if err != nil {
			log.Fatalf("report: %s: %v", name, err)
		}
		if header == nil {
			header = h
		}
	}
	var w io.Writer = os.Stdout
	var kept []byte
	if *out != "" {
		kept = othersSections(*out)
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w = f
	}
	write(w, rs, header, flag.NArg())
	w.Write(kept)
	if *chart != "" {
		data, err := json.MarshalIndent(peersChart(rs), "", "  ")
		if err == nil {
			err = os.WriteFile(*chart, data, 0o644)
		}
		if err != nil {
			log.Fatal(err)
		}
	}
}

// othersMarker starts the part of the report that other suites write (the
// JavaScript one, web/bench/report.js); this command keeps it as it is.
const othersMarker = "<!-- js-bench:start -->"

func othersSections(name string) []byte {
	old, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	if i := strings.Index(string(old), othersMarker); i >= 0 {
		return append([]byte("\n"), old[i:]...)
	}
	return nil
}

// parse adds the benchmark lines of r to rs and returns the goos/goarch/cpu
// header lines.
func (rs results) parse(r io.Reader) (header []string, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		for _, p := range []string{"goos:", "goarch:", "cpu:"} {
			if h := strings.TrimSpace(line); strings.HasPrefix(h, p) && !slices.Contains(header, h) {
				header = append(header, h)
			}
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || f[3] != "ns/op" {
			continue
		}
		res := result{metrics: map[string]float64{}}
		if res.ns, err = strconv.ParseFloat(f[2], 64); err != nil {
			return nil, fmt.Errorf("%q: %v", line, err)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", line, err)
			}
			res.metrics[f[i+1]] = v
		}
		res.allocs = res.metrics["allocs/op"]
		rs[f[0]] = append(rs[f[0]], res)
	}
	return header, sc.Err()
}

// median returns the median ns/op and allocs/op of a benchmark. A benchmark
// that did not run is fatal: the report must not go stale silently.
func (rs results) median(name string) (ns, allocs float64) {
	runs := rs[name]
	if len(runs) == 0 {
		log.Fatalf("report: no result for %s", name)
	}
	mid := func(get func(result) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = get(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return mid(func(r result) float64 { return r.ns }), mid(func(r result) float64 { return r.allocs })
}

// medianRun returns the run of name whose value in unit is the median of the
// runs (the lower middle one for an even number), so that figures shown
// together come from one measurement.
func (rs results) medianRun(name, unit string) result {
	runs := slices.Clone(rs[name])
	if len(runs) == 0 {
		log.Fatalf("report: no result for %s", name)
	}
	for _, r := range runs {
		if _, ok := r.metrics[unit]; !ok {
			log.Fatalf("report: %s has no %s", name, unit)
		}
	}
	slices.SortFunc(runs, func(a, b result) int { return cmp.Compare(a.metrics[unit], b.metrics[unit]) })
	return runs[(len(runs)-1)/2]
}

// ratio returns the median, over the runs, of name's ns/op divided by base's
// in the same run: pairing the figures of one run cancels much of the noise
// of a shared machine that comparing two medians would keep.
func (rs results) ratio(name, base string) float64 {
	a, b := rs[name], rs[base]
	if len(a) == 0 || len(a) != len(b) {
		log.Fatalf("report: %s and %s did not run the same number of times", name, base)
	}
	rr := make([]float64, len(a))
	for k := range a {
		rr[k] = a[k].ns / b[k].ns
	}
	slices.Sort(rr)
	if len(rr)%2 == 1 {
		return rr[len(rr)/2]
	}
	return (rr[len(rr)/2-1] + rr[len(rr)/2]) / 2
}

var sizes = []int{1, 10, 100}

func write(w io.Writer, rs results, header []string, runs int) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("# Benchmarks")
	p("")
	p("Generated by `make bench` on %s; do not edit by hand. Every figure is the median of %d runs,", time.Now().UTC().Format("2006-01-02"), runs)
	p("and every ratio the median of the ratios within each run, because this machine is shared and noisy.")
	p("")
	p("Machine: %s, %d cores; %s.", strings.Join(header, ", "), runtime.NumCPU(), runtime.Version())
	p("")

	p("## Go: sync emit against a plain loop")
	p("")
	p("The baseline is what any panic-safe emitter pays: a function that is not inlined and ranges over the")
	p("listeners under one deferred `recover()`; for TryEmit it also returns a panic as an error. Emit and")
	p("TryEmit of listeners that cannot fail (`AddListener`) are set against a loop over")
	p("`[]func(context.Context, int)`, TryEmit of listeners that can fail (`AddListenerWithErr`) against a loop")
	p("over `[]func(context.Context, int) error` that stops at the first error. Each benchmark runs the emit and")
	p("its baseline in one process, in alternating chunks of a few µs, and makes both anew on fresh allocations")
	p("every 64 pairs of chunks, because on this machine the placement in memory alone moves either loop by up")
	p("to 40%%. A block of 64 pairs counts with its median chunk; the ns columns are the means over the blocks,")
	p("per emit, and the ratio is the emit's ns over its plain loop's, in the same benchmark. Each row shows, for")
	p("the unkeyed and for the keyed signal, the run whose ratio is the median of the %d runs. Targets, at every", runs)
	p("n, with 0 allocs/op: Emit at most 1.5x, TryEmit at most 1.3x.")
	p("")
	for _, t := range []struct {
		bench, title string
		target       float64
	}{
		{"SyncEmit", "Emit", 1.5},
		{"SyncTryEmitNoErr", "TryEmit, listeners that cannot fail", 1.3},
		{"SyncTryEmit", "TryEmit, listeners that can fail", 1.3},
	} {
		p("| %s | unkeyed: plain loop | signals | ratio | keyed: plain loop | signals | ratio | allocs/op | target |", t.title)
		p("|---|---|---|---|---|---|---|---|---|")
		for _, n := range sizes {
			row := fmt.Sprintf("| n=%d |", n)
			met := true
			var allocs float64
			for _, keyed := range []bool{false, true} {
				name := fmt.Sprintf("Benchmark%s/keyed=%v/n=%d", t.bench, keyed, n)
				run := rs.medianRun(name, "x-plain")
				r := run.metrics["x-plain"]
				row += fmt.Sprintf(" %s | %s | %.2fx |", ns(run.metrics["plain-ns/op"]), ns(run.ns), r)
				_, a := rs.median(name)
				met = met && r <= t.target && a == 0
				allocs = max(allocs, a)
			}
			p("%s %g | %s |", row, allocs, verdict(met))
		}
		p("")
	}

	p("## Go: async emit against a bare `go` statement")
	p("")
	p("The baseline starts every listener with `go f(ctx, v)`. Figures are per emit; the only allocation on")
	p("either side is the one each goroutine's arguments need. Target: at most 1.2x, no extra allocation.")
	p("")
	p("| AsyncEmit | go statement | signals, unkeyed | ratio | signals, keyed | ratio | allocs/op (go / signals) | target |")
	p("|---|---|---|---|---|---|---|---|")
	for _, n := range sizes {
		baseName := fmt.Sprintf("BenchmarkAsyncEmit/go-statement/n=%d", n)
		base, baseAllocs := rs.median(baseName)
		row := fmt.Sprintf("| n=%d | %s |", n, ns(base))
		met := true
		var allocs float64
		for _, keyed := range []bool{false, true} {
			name := fmt.Sprintf("BenchmarkAsyncEmit/signals/keyed=%v/n=%d", keyed, n)
			v, a := rs.median(name)
			r := rs.ratio(name, baseName)
			row += fmt.Sprintf(" %s | %.2fx |", ns(v), r)
			met = met && r <= 1.2 && a <= baseAllocs
			allocs = max(allocs, a)
		}
		p("%s %g / %g | %s |", row, baseAllocs, allocs, verdict(met))
	}
	p("")

	p("## Go: parallel emit")
	p("")
	p("`b.RunParallel` over one SyncSignal with 10 listeners, at `-cpu 1,2,8` on a %d-core machine. ns/op is wall", runtime.NumCPU())
	p("time per emit across all goroutines, so contention would show as a rise. Target: within 25%% of -cpu 1.")
	p("")
	p("| -cpu | ns/op | vs -cpu 1 | allocs/op | target |")
	p("|---|---|---|---|---|")
	for _, cpu := range []int{1, 2, 8} {
		name := "BenchmarkParallelEmit"
		if cpu > 1 {
			name += fmt.Sprintf("-%d", cpu)
		}
		v, a := rs.median(name)
		r := rs.ratio(name, "BenchmarkParallelEmit")
		p("| %d | %s | %.2fx | %g | %s |", cpu, ns(v), r, a, verdict(r <= 1.25 && a == 0))
	}
	p("")

	writePeers(p, rs)

	p("## Go: adding and removing a listener")
	p("")
	p("One `AddListener` plus one `RemoveListener` of a keyed listener on a signal that already has n.")
	p("Copy-on-write makes both O(n); the last column shows the cost per listener held. Target: O(n), no worse.")
	p("")
	p("| n | ns/op | ns per listener held | allocs/op |")
	p("|---|---|---|---|")
	for _, n := range sizes {
		v, a := rs.median(fmt.Sprintf("BenchmarkAddRemove/n=%d", n))
		p("| %d | %s | %.1f | %g |", n, ns(v), v/float64(n), a)
	}
}

func ns(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f µs", v/1000)
	}
	return fmt.Sprintf("%.1f ns", v)
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**missed**"
}

// writePeers writes the comparison with EventBus (bench/peers).
func writePeers(p func(string, ...any), rs results) {
	p("## Go: against EventBus")
	p("")
	p("![signals and EventBus against the plain loop](bench-go.svg)")
	p("")
	p("`github.com/asaskevich/EventBus`, a widely used Go event bus, measured by `bench/peers` (a module")
	p("of its own, so that EventBus never becomes a dependency of the library) against the plain loop above,")
	p("in the same process. EventBus calls its handlers through `reflect.Value.Call` and holds a mutex while it")
	p("publishes; it has no error-returning publish, so TryEmit is set against the same Publish.")
	p("")
	p("| sync, per emit | plain loop | signals Emit | signals TryEmit | EventBus Publish | Emit / plain | EventBus / plain | EventBus / Emit |")
	p("|---|---|---|---|---|---|---|---|")
	for _, n := range sizes {
		name := func(who string) string { return fmt.Sprintf("BenchmarkPeerEmit/%s/n=%d", who, n) }
		plain, _ := rs.median(name("plain"))
		emit, _ := rs.median(name("signals"))
		try, _ := rs.median(name("signals-TryEmit"))
		bus, _ := rs.median(name("EventBus"))
		p("| n=%d | %s | %s | %s | %s | %.2fx | %s | %s |", n, ns(plain), ns(emit), ns(try), ns(bus),
			rs.ratio(name("signals"), name("plain")), ratio(rs.ratio(name("EventBus"), name("plain"))),
			ratio(rs.ratio(name("EventBus"), name("signals"))))
	}
	p("")
	p("| async, emit and wait | go statements + WaitGroup | signals Emit + Wait | EventBus Publish + WaitAsync | signals / go | EventBus / go | EventBus / signals |")
	p("|---|---|---|---|---|---|---|")
	for _, n := range sizes {
		name := func(who string) string { return fmt.Sprintf("BenchmarkPeerAsyncEmit/%s/n=%d", who, n) }
		base, _ := rs.median(name("go-statement"))
		sig, _ := rs.median(name("signals"))
		bus, _ := rs.median(name("EventBus"))
		p("| n=%d | %s | %s | %s | %.2fx | %s | %s |", n, ns(base), ns(sig), ns(bus),
			rs.ratio(name("signals"), name("go-statement")), ratio(rs.ratio(name("EventBus"), name("go-statement"))),
			ratio(rs.ratio(name("EventBus"), name("signals"))))
	}
	p("")
	p("| parallel, 10 listeners | signals | EventBus | EventBus / signals |")
	p("|---|---|---|---|")
	for _, cpu := range []int{1, 2, 8} {
		suffix := ""
		if cpu > 1 {
			suffix = fmt.Sprintf("-%d", cpu)
		}
		sig, _ := rs.median("BenchmarkPeerParallelEmit/signals" + suffix)
		bus, _ := rs.median("BenchmarkPeerParallelEmit/EventBus" + suffix)
		p("| -cpu %d | %s | %s | %s |", cpu, ns(sig), ns(bus),
			ratio(rs.ratio("BenchmarkPeerParallelEmit/EventBus"+suffix, "BenchmarkPeerParallelEmit/signals"+suffix)))
	}
	p("")
}

// chartSpec is what web/bench/chart.js draws: its barChart options as JSON.
type chartSpec struct {
	Title     string       `json:"title"`
	Note      string       `json:"note"`
	Groups    []chartGroup `json:"groups"`
	Format    string       `json:"format"`
	Log       bool         `json:"log"`
	Reference float64      `json:"reference"`
}

type chartGroup struct {
	Label string     `json:"label"`
	Bars  []chartBar `json:"bars"`
}

type chartBar struct {
	Series string  `json:"series"`
	Value  float64 `json:"value"`
}

// peersChart is the chart of signals and EventBus against their baselines.
func peersChart(rs results) chartSpec {
	var groups []chartGroup
	for _, n := range sizes {
		name := func(who string) string { return fmt.Sprintf("BenchmarkPeerEmit/%s/n=%d", who, n) }
		groups = append(groups, chartGroup{fmt.Sprintf("sync emit, n=%d", n), []chartBar{
			{"signals", rs.ratio(name("signals"), name("plain"))},
			{"EventBus", rs.ratio(name("EventBus"), name("plain"))},
		}})
	}
	for _, n := range sizes {
		name := func(who string) string { return fmt.Sprintf("BenchmarkPeerAsyncEmit/%s/n=%d", who, n) }
		groups = append(groups, chartGroup{fmt.Sprintf("async emit + wait, n=%d", n), []chartBar{
			{"signals", rs.ratio(name("signals"), name("go-statement"))},
			{"EventBus", rs.ratio(name("EventBus"), name("go-statement"))},
		}})
	}
	return chartSpec{
		Title:     "Go: signals and EventBus",
		Note:      "time per emit as a ratio to the plain loop (sync) or to go statements (async), same run; log scale",
		Groups:    groups,
		Format:    "ratio",
		Log:       true,
		Reference: 1,
	}
}

// ratio formats a ratio as web/bench/chart.js does.
func ratio(r float64) string {
	switch {
	case r < 10:
		return fmt.Sprintf("%.2fx", r)
	case r < 100:
		return fmt.Sprintf("%.1fx", r)
	}
	return fmt.Sprintf("%.0fx", r)
}
