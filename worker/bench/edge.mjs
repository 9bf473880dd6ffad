#!/usr/bin/env node
// The edge benchmark: the example Worker (pooled Go runtimes), a plain
// JavaScript Worker doing the same work, the same Go pipeline on syumai's
// stock glue and the Go floor (a Go handler that only writes the answer, on
// the package's glue), served by one workerd, loaded by wrk over loopback;
// the example again with a budget of one Go runtime; and the memory the Go
// runtimes take with and without their budget. Writes its section between
// the edge-bench markers of docs/benchmarks.md.
//
//   node bench/edge.mjs [--runs 5] [--quick] [--out docs/benchmarks.md]
//
// Every run measures all four, so that each ratio pairs figures taken side
// by side; the report gives the median of the per-run figures and ratios.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { barChart } from '../../web/bench/chart.js';
import { goPool, rssMB, sampling, startWorkerd, withGoPool } from '../test/workerd.js';
import { benchOptions, cpuNs, median, publish } from './report.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const BUILD = here('../example/build/');
const WORKERD = here('../node_modules/.bin/workerd');
const TARGETS = ['example', 'plain', 'stock', 'floor'];

const { quick, runs, out } = benchOptions(5);
const seconds = quick ? 1 : 2;
// V8 goes on compiling the Go module's hot code in the background for
// several seconds of load (2-6 s in, worker_serve still ran unoptimized and
// workerd's CPU a request was 23% above its figure at 14-18 s): the targets
// warm up this long before the first run, so that the runs measure each
// Worker as a busy isolate runs it.
const warmUpSeconds = quick ? 1 : 15;

/** Runs wrk and returns its p50 and p99 latency (ms), requests/s and requests; throws on failed requests. */
function wrk(url, { threads, connections, duration = seconds }) {
  const text = execFileSync('wrk', [`-t${threads}`, `-c${connections}`, `-d${duration}s`, '--latency', url], {
    encoding: 'utf8',
  });
  // wrk pads a latency in seconds ("1.14s ").
  const latency = (p) => text.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'));
  const [p50, p99] = [latency(50), latency(99)];
  const rps = text.match(/^Requests\/sec:\s+([\d.]+)/m);
  const requests = text.match(/^\s*(\d+) requests in/m);
  if (!p50 || !p99 || !rps || !requests) throw new Error(`unexpected wrk output:\n${text}`);
  const errors = [/Non-2xx or 3xx responses: (\d+)/, /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/]
    .flatMap((re) => (text.match(re) ?? []).slice(1).map(Number))
    .reduce((a, b) => a + b, 0);
  if (errors) throw new Error(`${url}: ${errors} failed requests:\n${text}`);
  const ms = (m) => Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3 }[m[2]];
  return { p50: ms(p50), p99: ms(p99), rps: Number(rps[1]), requests: Number(requests[1]) };
}

/** Milliseconds from starting workerd to the first 200 from the example's GET /health. */
async function coldStart() {
  const example = await startWorkerd(BUILD + 'config.capnp', ['http'], { path: '/health' });
  await example.stop();
  if (example.firstStatus !== 200) throw new Error(`GET /health: ${example.firstStatus}`);
  return example.readyMs;
}

const MiB = 1024 * 1024;

// Requests one at a time before the memory sweep.
const WARM_UP = quick ? 100 : 2000;
// Concurrencies of the memory sweep: requests in flight at once.
const IN_FLIGHT = quick ? [1, 4, 16] : [1, 2, 4, 8, 16, 32, 64];

/**
 * The example under GO_POOL pool (undefined: as built): workerd's resident
 * memory idle, then while k slow requests (each held 500 ms by the
 * pipeline's deadline) are in flight, for each k of IN_FLIGHT.
 */
async function memorySweep(pool) {
  const config = pool === undefined ? BUILD + 'config.capnp' : withGoPool(BUILD + 'config.capnp', 'bench-memory', pool);
  const example = await startWorkerd(config);
  if (pool !== undefined) rmSync(config);
  const base = example.urls.http;
  const get = async (path) => {
    const response = await fetch(base + path);
    await response.arrayBuffer();
    return response.status;
  };
  try {
    // Every route of the example, one at a time, so that V8 has compiled
    // the code the sweep runs before the idle figure is read.
    const routes = ['/health', '/nope', '/debug/panic', '/debug/fail-later'];
    for (let i = 0; i < WARM_UP; i++) await get(routes[i % routes.length]);
    await get('/debug/slow');
    const idle = rssMB(example.child.pid);
    const rows = [];
    for (const k of IN_FLIGHT) {
      const work = Promise.all(Array.from({ length: k }, () => get('/debug/slow')));
      const { result, peak } = await sampling(() => rssMB(example.child.pid), work);
      if (result.some((status) => status !== 504)) throw new Error(`/debug/slow x ${k}: ${result}`);
      rows.push({ k, grewMB: peak - idle });
    }
    return { idle, rows };
  } finally {
    await example.stop();
  }
}

/**
 * What the pool holds, from the example's glue and Go program run in Node
 * (linear memory is the Go program's, wherever it runs): a runtime's linear
 * memory at start and after WARM_UP requests, and how many runtimes the
 * default budget keeps for 64 slow requests at once.
 */
async function poolInNode() {
  const { goFetch } = await import(pathToFileURL(BUILD + 'worker.mjs'));
  const go = goFetch(new WebAssembly.Module(readFileSync(BUILD + 'app.wasm')));
  const env = { GO_POOL: JSON.stringify(budget), EDGESIGNALS_DEV: '1' };
  const ctx = { waitUntil() {} };
  const get = async (path) => (await go(new Request('http://localhost' + path), env, ctx)).status;
  const log = console.log; // where Go's log lines go in Node
  console.log = () => {};
  // The most runtimes the pool holds for 64 slow requests at once.
  const most = async () => {
    let runtimes = 0;
    const slow = Promise.all(Array.from({ length: 64 }, () => get('/debug/slow')));
    await sampling(async () => (runtimes = Math.max(runtimes, go.stats().runtimes)), slow);
    return runtimes;
  };
  try {
    await get('/health');
    const started = go.stats().memoryBytes;
    const fresh = await most();
    for (let i = 0; i < WARM_UP; i++) await get(i % 2 ? '/health' : '/nope');
    return { started, served: go.stats().runtimeBytes, fresh, runtimes: await most() };
  } finally {
    console.log = log;
  }
}

/**
 * The queueing delay at twice the budget's runtimes: 2n slow requests at
 * once, where n is how many runtimes the budget allows; each request's time
 * less the fastest one's.
 */
async function queueing(runtimes) {
  const example = await startWorkerd(BUILD + 'config.capnp');
  try {
    const base = example.urls.http;
    const slow = async () => {
      const sent = performance.now();
      const response = await fetch(base + '/debug/slow');
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - sent };
    };
    await Promise.all(Array.from({ length: runtimes }, slow)); // starts the runtimes
    const results = await Promise.all(Array.from({ length: 2 * runtimes }, slow));
    if (results.some((r) => r.status !== 504)) throw new Error(`queueing: ${results.map((r) => r.status)}`);
    const fastest = Math.min(...results.map((r) => r.ms));
    const delays = results.map((r) => r.ms - fastest).sort((a, b) => a - b);
    return { requests: 2 * runtimes, p50: delays[delays.length >> 1], max: delays.at(-1) };
  } finally {
    await example.stop();
  }
}

// The example with a budget of one Go runtime, next to bench.capnp's four.
const TIGHT = { memoryMB: 1 };
const tightConfig = withGoPool(BUILD + 'config.capnp', 'bench-tight', TIGHT);

const results = [];
const workerd = await startWorkerd(here('bench.capnp'), TARGETS, {
  args: ['--directory-path', `hub-storage=${BUILD}hub-storage`],
});
const tight = await startWorkerd(tightConfig);
rmSync(tightConfig);
workerd.urls.tight = tight.urls.http;
try {
  // Each target starts its Go runtimes and has V8 compile its code first.
  for (const name of [...TARGETS, 'tight']) {
    wrk(`${workerd.urls[name]}/health`, { threads: 1, connections: 4, duration: warmUpSeconds });
  }
  for (let run = 1; run <= runs; run++) {
    const r = { latency: {}, p99: {}, rps: {}, cpuUs: {}, coldStart: 0 };
    for (const name of [...TARGETS, 'tight']) {
      const url = `${workerd.urls[name]}/health`;
      ({ p50: r.latency[name], p99: r.p99[name] } = wrk(url, { threads: 1, connections: 1 }));
      // workerd's CPU time a request: other work on the machine slows
      // wall-clock figures down far more than it adds to this.
      const pid = (name === 'tight' ? tight : workerd).child.pid;
      const cpu = cpuNs(pid);
      const loaded = wrk(url, { threads: 2, connections: 16 });
      r.rps[name] = loaded.rps;
      r.cpuUs[name] = (cpuNs(pid) - cpu) / 1000 / loaded.requests;
    }
    r.coldStart = await coldStart();
    results.push(r);
    console.error(`run ${run} of ${runs}: ${JSON.stringify(r)}`);
  }
} finally {
  await workerd.stop();
  await tight.stop();
}
const budget = goPool(BUILD + 'config.capnp');
const withBudget = await memorySweep();
const withoutBudget = await memorySweep({ memoryMB: 1e6, queue: 1e6 });
const pool = await poolInNode();
const cap = pool.fresh; // queueing() starts a workerd of its own
const queued = await queueing(cap);
console.error(JSON.stringify({ withBudget, withoutBudget, pool, queued }));

// --- report ---

const med = (f) => median(results.map(f));
const ms = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2)) + ' ms';
const rps = (v) => `${Math.round(v).toLocaleString('en-US')} req/s`;
const x = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1)) + 'x';
const pct = (v) => `${Math.round(v * 100)}%`;
const mb = (v) => `${v.toFixed(1)} MB`;
const verdict = (met) => (met ? 'met' : '**missed**');

const p50 = med((r) => r.latency.example);
const p50Ratio = (t) => med((r) => r.latency[t] / r.latency.plain);
const p99Ratio = (t) => med((r) => r.p99[t] / r.p99.plain);
const share = (t) => med((r) => r.rps[t] / r.rps.plain);
const cpuRatio = (t) => med((r) => r.cpuUs[t] / r.cpuUs.plain);
const us = (v) => `${v.toFixed(0)} µs`;
const tpRatio = med((r) => r.rps.example / r.rps.stock);
const cold = med((r) => r.coldStart);
const workerdVersion = execFileSync(WORKERD, ['--version'], { encoding: 'utf8' }).trim();
const sweepAt = (sweep, k) => sweep.rows.find((row) => row.k === k);
const last = IN_FLIGHT.at(-1);
// workerd's growth per request in flight without a budget: the slope from 1 to the most.
const perRequest = (sweepAt(withoutBudget, last).grewMB - sweepAt(withoutBudget, 1).grewMB) / (last - 1);
const load = os.loadavg()[0].toFixed(1);

const section = `
## Edge: the example Worker in workerd

\`node worker/bench/edge.mjs\` (\`make bench\`), ${runs} runs, medians; each ratio is taken within a run, then its median
is reported. One ${workerdVersion} serves four Workers on loopback: **example** (worker/example, its Go pipeline on
the package's glue with pooled Go runtimes, under the default budget \`GO_POOL\` = \`${JSON.stringify(budget)}\`),
**plain** (worker/bench/plain.mjs: a JavaScript Worker doing the same work: route, request id, JSON answer, a request log and counts by status, as the example's Done listeners keep) and
**stock** (the same Go pipeline built with \`-tags stock\` on github.com/syumai/workers' own glue, which starts a Go
runtime for every request) and the **Go floor** (worker/bench/floorworker: the package's glue and a Go handler that
writes the bytes of /health's answer and nothing else); a second workerd serves **one runtime**, the example with \`GO_POOL\` =
\`${JSON.stringify(TIGHT)}\` (a budget smaller than one runtime: the pool keeps exactly one). Load from \`wrk\` on the
same machine (${os.cpus().length} cores, shared with workerd; load average ${load} when the report was written): latency
with 1 connection, throughput with 16 connections on 2 threads, ${seconds} s each, GET /health, after ${warmUpSeconds} s of load on
each Worker (V8 compiles a Go module's hot code in the background for several seconds). Node ${process.version}.

![p50 latency](bench-edge-latency.svg) ![throughput](bench-edge-throughput.svg)

Where a Go request's time goes, from \`perf\` and CPU profiles of workerd (\`--inspector-addr\`) and of the same glue in
Node: not in Go's compiled code, which V8 runs optimized (TurboFan) in workerd as in Node once it has compiled it (hence
the warm-up), but in what surrounds each request. Entering and leaving Go: the request head parsed into net/http types
and contexts, Go's scheduler resumed, syscall/js's call of the glue's \`respond\`, the \`Response\` built. The pipeline's
own work: five middleware, \`ServeMux\`, \`encoding/json\`, and two \`Done\` listeners, each on a goroutine of its own,
as an \`AsyncSignal\`'s listeners run. What the glue leaves out for the requests it can: Go is entered through a
WebAssembly export, one goroutine serves a runtime's requests and runs the pipeline's steps, and a request that Go
answers within the call gets its \`Response\` without a promise, a timer, an abort listener or a \`waitUntil\`; headers
reach workerd as an object, which its \`Response\` takes faster than \`[name, value]\` pairs (pairs only for a name
sent twice).

| figure | example | one runtime | Go floor | plain JS | stock glue | example / plain | target |
|---|---|---|---|---|---|---|---|
| p50 latency, GET /health | ${ms(p50)} | ${ms(med((r) => r.latency.tight))} | ${ms(med((r) => r.latency.floor))} | ${ms(med((r) => r.latency.plain))} | ${ms(med((r) => r.latency.stock))} | ${x(p50Ratio('example'))} (one runtime: ${x(p50Ratio('tight'))}) | ≤ 1 ms: ${verdict(p50 <= 1)}; ≤ 1.5x plain: ${verdict(p50Ratio('example') <= 1.5 && p50Ratio('tight') <= 1.5)} |
| p99 latency, GET /health | ${ms(med((r) => r.p99.example))} | ${ms(med((r) => r.p99.tight))} | ${ms(med((r) => r.p99.floor))} | ${ms(med((r) => r.p99.plain))} | ${ms(med((r) => r.p99.stock))} | ${x(p99Ratio('example'))} (one runtime: ${x(p99Ratio('tight'))}) | |
| throughput, 16 connections | ${rps(med((r) => r.rps.example))} | ${rps(med((r) => r.rps.tight))} | ${rps(med((r) => r.rps.floor))} | ${rps(med((r) => r.rps.plain))} | ${rps(med((r) => r.rps.stock))} | ${pct(share('example'))} (one runtime: ${pct(share('tight'))}); ${x(tpRatio)} stock | ≥ 50% of plain: ${verdict(share('example') >= 0.5 && share('tight') >= 0.5)}; ≥ 10x stock: ${verdict(tpRatio >= 10)} |
| workerd's CPU time a request, 16 connections | ${us(med((r) => r.cpuUs.example))} | ${us(med((r) => r.cpuUs.tight))} | ${us(med((r) => r.cpuUs.floor))} | ${us(med((r) => r.cpuUs.plain))} | ${us(med((r) => r.cpuUs.stock))} | ${x(cpuRatio('example'))} (one runtime: ${x(cpuRatio('tight'))}) | reported |
| cold start: workerd start to first 200 | ${ms(cold)} | | | | | | ≤ 500 ms: ${verdict(cold <= 500)} |

The Go floor against plain JavaScript, in the same runs: p50 ${x(p50Ratio('floor'))}, throughput ${pct(share('floor'))}, workerd's CPU
time a request ${x(cpuRatio('floor'))} (throughput is bounded by it: workerd runs a Worker's JavaScript and WebAssembly on one
thread; the per-run throughput ratios swing more than the CPU ratios on this shared machine). That
much of the example's gap comes before any work of its own: the request crossing into Go's memory as net/http's
types, Go's scheduler, a pipeline with no steps, the response crossing back. The example's pipeline adds the rest
(example / floor: p50 ${x(med((r) => r.latency.example / r.latency.floor))}, throughput ${pct(med((r) => r.rps.example / r.rps.floor))}).

### Memory of the Go runtimes

Measured once per report, in a workerd of its own: the example after ${WARM_UP.toLocaleString('en-US')} requests one at a time (so that V8 has
compiled what runs), then ${IN_FLIGHT.join(', ')} slow requests at once (GET /debug/slow, held 500 ms by the pipeline's
deadline), under the default budget and without one (\`memoryMB\` 10⁶); workerd's resident memory (VmRSS) is sampled
every 10 ms. Cloudflare gives an isolate 128 MB, WebAssembly memory included. The linear memory of a runtime, and
how many the budget keeps, are read from the pool itself (its \`stats()\`), with the same glue and Go program run in
Node.

![resident memory against requests in flight](bench-edge-memory.svg)

| figure | value |
|---|---|
| a Go runtime's linear memory at start | ${mb(pool.started / MiB)} |
| the largest runtime's linear memory after ${WARM_UP.toLocaleString('en-US')} requests | ${mb(pool.served / MiB)} |
| runtimes the default budget keeps for 64 slow requests at once: fresh / after ${WARM_UP.toLocaleString('en-US')} requests | ${pool.fresh} / ${pool.runtimes} |
| workerd's resident memory, idle (one runtime) | ${mb(withBudget.idle)} |
| growth per request in flight, no budget (1 to ${last} in flight) | ${mb(perRequest)} |
| growth at ${last} in flight: default budget / no budget | ${mb(sweepAt(withBudget, last).grewMB)} / ${mb(sweepAt(withoutBudget, last).grewMB)} |
| queueing delay at twice the ${cap} runtimes the budget keeps fresh (${queued.requests} slow requests at once, in a fresh workerd), p50 / max | ${ms(queued.p50)} / ${ms(queued.max)} |
`;

const LABELS = {
  example: 'example (pooled Go)',
  tight: 'example, one runtime',
  floor: 'Go floor',
  plain: 'plain JavaScript',
  stock: 'stock syumai glue',
};
const SERIES = ['example', 'tight', 'floor', 'plain', 'stock'];
const chart = (title, note, value, format) =>
  barChart({
    title,
    note,
    groups: [{ label: 'GET /health', bars: SERIES.map((t) => ({ series: LABELS[t], value: med((r) => value(r, t)) })) }],
    format,
    log: true,
  });
const charts = {
  'bench-edge-latency.svg': chart('Edge: p50 latency', 'milliseconds, 1 connection (log scale; median of runs)', (r, t) => r.latency[t], ms),
  'bench-edge-throughput.svg': chart('Edge: throughput', 'requests per second, 16 connections (log scale; median of runs)', (r, t) => r.rps[t], rps),
  'bench-edge-memory.svg': barChart({
    title: "Edge: workerd's resident memory against requests in flight",
    note: `MB above idle (${mb(withBudget.idle)}), slow requests in flight at once; the default budget is ${budget.memoryMB} MB of Go memory`,
    groups: IN_FLIGHT.map((k) => ({
      label: `${k} in flight`,
      bars: [
        { series: `default budget (${budget.memoryMB} MB)`, value: Math.max(0.1, sweepAt(withBudget, k).grewMB) },
        { series: 'no budget', value: Math.max(0.1, sweepAt(withoutBudget, k).grewMB) },
      ],
    })),
    format: mb,
  }),
};

if (out !== '/dev/null') {
  for (const [name, svg] of Object.entries(charts)) writeFileSync(join(dirname(out), name), svg);
}
publish(out, 'edge-bench', section);
