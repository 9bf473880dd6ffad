#!/usr/bin/env node
// The buffered-response benchmark: does a response that does not stream
// keep the speed it had before responses could stream? It builds
// bufferedworker/ with edgeworker twice, against this tree and against the
// commit before streaming landed (--before, by default the parent of the
// first commit of worker/stream.go, taken with git archive), serves each
// from a workerd of its own, and alternates requests between the two in
// one run: GET /health and a buffered GET of 256 KB. Writes its section
// between the buffered-bench markers of docs/benchmarks.md.
//
//   node bench/buffered.mjs [--runs 5] [--quick] [--out docs/benchmarks.md] [--before COMMIT]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from '../test/workerd.js';
import { benchOptions, cpuNs, median, publish } from './report.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { quick, runs, out } = benchOptions(5);
const args = process.argv.slice(2);
const git = (...a) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
const before =
  args.includes('--before') ? args[args.indexOf('--before') + 1] : git('rev-list', '--reverse', 'HEAD', '--', 'worker/stream.go').split('\n')[0] + '^';
const beforeCommit = git('rev-parse', '--short', before);
const nowCommit = git('rev-parse', '--short', 'HEAD');
const REQUESTS = quick ? 20 : 200; // per path and side in a run
const KB = 256;

/** Builds bufferedworker/ with the edgeworker of the module at tree into dir. */
function build(tree, dir) {
  const pkg = join(tree, 'worker/bench/bufferedworker');
  if (tree !== root) cpSync(join(root, 'worker/bench/bufferedworker'), pkg, { recursive: true });
  execFileSync('go', ['run', './worker/cmd/edgeworker', 'build', '-o', dir, './worker/bench/bufferedworker'], { cwd: tree, stdio: 'inherit' });
  return join(dir, 'config.capnp');
}

/** Milliseconds to the last byte of a GET of url. */
async function get(url) {
  const start = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return performance.now() - start;
}

const work = mkdtempSync(join(os.tmpdir(), 'buffered-'));
const servers = {};
try {
  const old = join(work, 'tree');
  mkdirSync(old);
  execFileSync('sh', ['-c', `git archive ${before} | tar -x -C ${old}`], { cwd: root });
  const configs = { before: build(old, join(work, 'before')), now: build(root, join(work, 'now')) };
  for (const side of ['before', 'now']) servers[side] = await startWorkerd(configs[side], ['http'], { path: '/health' });
  const paths = { health: '/health', body: `/body?kb=${KB}` };
  for (const side of ['before', 'now']) for (const path of Object.values(paths)) for (let i = 0; i < REQUESTS; i++) await get(servers[side].urls.http + path);
  const results = [];
  for (let run = 1; run <= runs; run++) {
    const r = {};
    for (const [name, path] of Object.entries(paths)) {
      const ms = { before: [], now: [] };
      const cpu = { before: 0, now: 0 };
      for (let i = 0; i < REQUESTS; i++) {
        for (const side of ['before', 'now']) {
          const pid = servers[side].child.pid;
          const start = cpuNs(pid);
          ms[side].push(await get(servers[side].urls.http + path));
          cpu[side] += cpuNs(pid) - start;
        }
      }
      r[name] = { before: median(ms.before), now: median(ms.now), beforeCpu: cpu.before / REQUESTS / 1e3, nowCpu: cpu.now / REQUESTS / 1e3 };
    }
    results.push(r);
    console.error(`run ${run} of ${runs}: ${JSON.stringify(r)}`);
  }
  const med = (f) => median(results.map(f));
  const row = (label, name) =>
    `| ${label} | ${med((r) => r[name].before).toFixed(2)} ms | ${med((r) => r[name].now).toFixed(2)} ms | ${med((r) => r[name].now / r[name].before).toFixed(2)}x | ` +
    `${med((r) => r[name].beforeCpu).toFixed(0)} µs | ${med((r) => r[name].nowCpu).toFixed(0)} µs | ${med((r) => r[name].nowCpu / r[name].beforeCpu).toFixed(2)}x |`;
  const section = `
### Buffered responses before and after streaming

\`node worker/bench/buffered.mjs\` (\`make bench-buffered\`; not part of \`make bench\`, as it builds an old commit), ${runs} runs, medians;
each ratio is taken within a run. bufferedworker/ built with edgeworker against ${beforeCommit} (before streamed responses) and ${nowCommit},
each in a workerd of its own; the client alternates ${REQUESTS} sequential requests a run between the two, timed to the last body byte,
and each workerd's CPU time for them (schedstat) is given too. ${os.cpus().length} cores, Node ${process.version}, load average
${os.loadavg()[0].toFixed(1)} at the end.

| buffered response | before (${beforeCommit}) | now (${nowCommit}) | now / before | CPU before | CPU now | now / before |
|---|---|---|---|---|---|---|
${row('GET /health', 'health')}
${row(`GET of ${KB} KB`, 'body')}
`;
  publish(out, 'buffered-bench', section);
} finally {
  for (const server of Object.values(servers)) await server.stop();
  rmSync(work, { recursive: true, force: true });
}
