#!/usr/bin/env node
// The edge benchmark: the example Worker (pooled Go runtimes), a plain
// JavaScript Worker doing the same work and the same Go pipeline on syumai's
// stock glue, served by one workerd, loaded by wrk over loopback. Writes its
// section between the edge-bench markers of docs/benchmarks.md.
//
//   node bench/edge.mjs [--runs 5] [--quick] [--out docs/benchmarks.md]
//
// Every run measures all three, so that each ratio pairs figures taken side
// by side; the report gives the median of the per-run figures and ratios.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChart } from '../../web/bench/chart.js';
import { startWorkerd } from '../test/workerd.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const BUILD = here('../example/build/');
const WORKERD = here('../node_modules/.bin/workerd');
const TARGETS = ['example', 'plain', 'stock'];
const START = '<!-- edge-bench:start -->';
const END = '<!-- edge-bench:end -->';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runs = quick ? 1 : Number(args[args.indexOf('--runs') + 1] || 5);
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : here('../../docs/benchmarks.md');
const seconds = quick ? 1 : 2;

/** Runs wrk and returns its p50 latency (ms), requests/s and error count. */
function wrk(url, { threads, connections }) {
  const text = execFileSync('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', url], {
    encoding: 'utf8',
  });
  const p50 = text.match(/^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m); // wrk pads "1.14s "
  const rps = text.match(/^Requests\/sec:\s+([\d.]+)/m);
  if (!p50 || !rps) throw new Error(`unexpected wrk output:\n${text}`);
  const errors = [/Non-2xx or 3xx responses: (\d+)/, /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/]
    .flatMap((re) => (text.match(re) ?? []).slice(1).map(Number))
    .reduce((a, b) => a + b, 0);
  if (errors) throw new Error(`${url}: ${errors} failed requests:\n${text}`);
  return { p50: Number(p50[1]) * { us: 1e-3, ms: 1, s: 1e3 }[p50[2]], rps: Number(rps[1]) };
}

/** Milliseconds from starting workerd to the first 200 from the example's GET /health. */
async function coldStart() {
  const example = await startWorkerd(BUILD + 'config.capnp', ['http'], { path: '/health' });
  await example.stop();
  if (example.firstStatus !== 200) throw new Error(`GET /health: ${example.firstStatus}`);
  return example.readyMs;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const results = [];
const workerd = await startWorkerd(here('bench.capnp'), TARGETS);
try {
  for (let run = 1; run <= runs; run++) {
    const r = { latency: {}, rps: {}, coldStart: 0 };
    for (const name of TARGETS) {
      const url = `${workerd.urls[name]}/health`;
      r.latency[name] = wrk(url, { threads: 1, connections: 1 }).p50;
      r.rps[name] = wrk(url, { threads: 2, connections: 16 }).rps;
    }
    r.coldStart = await coldStart();
    results.push(r);
    console.error(`run ${run} of ${runs}: ${JSON.stringify(r)}`);
  }
} finally {
  await workerd.stop();
}

// --- report ---

const med = (f) => median(results.map(f));
const ms = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2)) + ' ms';
const rps = (v) => `${Math.round(v).toLocaleString('en-US')} req/s`;
const x = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1)) + 'x';
const verdict = (met) => (met ? 'met' : '**missed**');

const p50 = med((r) => r.latency.example);
const p50Ratio = med((r) => r.latency.example / r.latency.plain);
const tpRatio = med((r) => r.rps.example / r.rps.stock);
const cold = med((r) => r.coldStart);
const workerdVersion = execFileSync(WORKERD, ['--version'], { encoding: 'utf8' }).trim();

const section = `${START}
## Edge: the example Worker in workerd

\`node worker/bench/edge.mjs\` (\`make bench\`), ${runs} runs, medians; each ratio is taken within a run, then its median
is reported. One ${workerdVersion} serves three Workers on loopback: **example** (worker/example, its Go pipeline on
the package's glue with pooled Go runtimes), **plain** (worker/bench/plain.mjs: a JavaScript Worker doing the same
work: route, request id, JSON answer) and **stock** (the same Go pipeline built with \`-tags stock\` on
github.com/syumai/workers' own glue, which starts a Go runtime for every request). Load from \`wrk\` on the same
machine (${os.cpus().length} cores, shared with workerd): latency with 1 connection, throughput with 16 connections
on 2 threads, ${seconds} s each, GET /health. Node ${process.version}.

![p50 latency](bench-edge-latency.svg) ![throughput](bench-edge-throughput.svg)

| figure | example | plain JS | stock glue | ratio | target |
|---|---|---|---|---|---|
| p50 latency, GET /health | ${ms(p50)} | ${ms(med((r) => r.latency.plain))} | ${ms(med((r) => r.latency.stock))} | ${x(p50Ratio)} plain | ≤ 1 ms: ${verdict(p50 <= 1)}; ≤ 4x plain: ${verdict(p50Ratio <= 4)} |
| throughput, 16 connections | ${rps(med((r) => r.rps.example))} | ${rps(med((r) => r.rps.plain))} | ${rps(med((r) => r.rps.stock))} | ${x(tpRatio)} stock | ≥ 10x stock: ${verdict(tpRatio >= 10)} |
| cold start: workerd start to first 200 | ${ms(cold)} | | | | ≤ 500 ms: ${verdict(cold <= 500)} |
${END}`;

const LABELS = { example: 'example (pooled Go)', plain: 'plain JavaScript', stock: 'stock syumai glue' };
const chart = (title, note, value, format) =>
  barChart({
    title,
    note,
    groups: [{ label: 'GET /health', bars: TARGETS.map((t) => ({ series: LABELS[t], value: med((r) => value(r, t)) })) }],
    format,
    log: true,
  });
const charts = {
  'bench-edge-latency.svg': chart('Edge: p50 latency', 'milliseconds, 1 connection (log scale; median of runs)', (r, t) => r.latency[t], ms),
  'bench-edge-throughput.svg': chart('Edge: throughput', 'requests per second, 16 connections (log scale; median of runs)', (r, t) => r.rps[t], rps),
};

if (out !== '/dev/null') {
  for (const [name, svg] of Object.entries(charts)) writeFileSync(join(dirname(out), name), svg);
  const old = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const at = old.indexOf(START);
  const end = old.indexOf(END);
  const next = at >= 0 && end > at ? old.slice(0, at) + section + old.slice(end + END.length) : old.trimEnd() + '\n\n' + section + '\n';
  writeFileSync(out, next);
}
console.log(section);
