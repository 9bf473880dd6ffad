#!/usr/bin/env node
// The browser-load benchmark: the demo page of the example Worker and a
// page that runs a minimal Go js/wasm program (one js.Global().Set, loaded
// with WebAssembly.instantiateStreaming), both served by one build of the
// example Worker in workerd, so both modules travel alike (gzipped, under a
// content-hashed name, cached for a year). Each is visited in Debian's
// Chromium (playwright-core) with a fresh profile (a first visit), then again
// with the same profile (a repeat visit: the HTTP cache, and V8's cache of
// compiled wasm code, which Chromium fills for streamed compiles). Writes its
// section between the browser-bench markers of docs/benchmarks.md.
//
//   node worker/bench/browser.mjs [--runs 7] [--quick] [--out docs/benchmarks.md]
//
// Needs make worker (the example's static folder) first. Every run visits
// both pages, so that each ratio pairs figures taken side by side.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumOptions } from '../../web/test/chromium.js';
import { buildMinimal } from '../../web/bench/startup.js';
import { startWorkerd } from '../test/workerd.js';
import { benchOptions, median, publish } from './report.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const ROOT = here('../../');
const STATIC = here('build/browser-static/');
const BUILD = here('build/browser/');

const { quick, runs, out } = benchOptions(7);

const hashedName = (stem, bytes) => `${stem}.${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.wasm`;

// The minimal program's page: wasm_exec.js, then the module streamed and run.
// It says it is ready as the demo does, with body[data-state].
const minimalPage = (wasm) => `<!doctype html>
<html><head><meta charset="utf-8"><title>minimal Go js/wasm program</title><link rel="icon" href="data:,">
<script src="wasm_exec.js"></script>
<script>
  const go = new Go();
  WebAssembly.instantiateStreaming(fetch(${JSON.stringify(wasm)}), go.importObject).then(({ instance }) => {
    go.run(instance); // main runs until it blocks, after setting x
    if (globalThis.x !== 1) throw new Error('the Go program did not set x');
    document.body.dataset.state = 'ready';
  });
</script></head><body></body></html>
`;

// Where the time goes: each module's streamed compile, then its start
// (load() of the compiled module for the demo's; instantiate and run for
// the minimal one), one after the other in one page. The first compile in a
// new browser also pays for starting the engine, so the order alternates
// between runs (?minimal-first).
const phasesPage = (demo, minimal) => `<!doctype html>
<html><head><meta charset="utf-8"><title>phases</title><link rel="icon" href="data:,">
<script src="wasm_exec.js"></script>
<script type="module">
  import { load } from '../src/index.js';
  const phases = {};
  let at = performance.now();
  const lap = (name) => { const now = performance.now(); phases[name] = now - at; at = now; };
  const steps = {
    async demo() {
      const module = await WebAssembly.compileStreaming(fetch(${JSON.stringify('../src/' + demo)}));
      lap('demoCompile');
      await load(module);
      lap('demoStart');
    },
    async minimal() {
      const module = await WebAssembly.compileStreaming(fetch(${JSON.stringify(minimal)}));
      lap('minimalCompile');
      const go = new Go();
      go.run(await WebAssembly.instantiate(module, go.importObject));
      lap('minimalStart');
    },
  };
  const order = location.search === '?minimal-first' ? ['minimal', 'demo'] : ['demo', 'minimal'];
  for (const name of order) await steps[name]();
  window.__phases = phases;
  document.body.dataset.state = 'ready';
</script></head><body></body></html>
`;

// The example Worker's static files, plus /bench/: the minimal program's
// page and the phases page.
function buildWorker() {
  rmSync(STATIC, { recursive: true, force: true });
  cpSync(here('../example/static/'), STATIC, { recursive: true });
  const minimal = buildMinimal();
  const name = hashedName('minimal', minimal);
  mkdirSync(STATIC + 'bench');
  writeFileSync(STATIC + 'bench/' + name, minimal);
  cpSync(STATIC + 'src/wasm_exec.js', STATIC + 'bench/wasm_exec.js');
  writeFileSync(STATIC + 'bench/index.html', minimalPage(name));
  const demoWasm = readdirSync(STATIC + 'src').find((f) => f.endsWith('.wasm'));
  writeFileSync(STATIC + 'bench/phases.html', phasesPage(demoWasm, name));
  execFileSync('go', ['run', './worker/cmd/edgeworker', 'build', '-o', BUILD, '-static', STATIC, '-hub', './worker/example'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { minimalBytes: minimal.length, demoBytes: readFileSync(STATIC + 'src/' + demoWasm).length };
}

// Records, in every page, when body[data-state] becomes "ready": ms since
// the navigation started.
function recordReady() {
  const observer = new MutationObserver(() => {
    if (document.body?.dataset.state === 'ready') {
      window.__ready = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state'] });
}

// Visits url twice in one new profile: returns both ready times and, for the
// demo, the load time it shows ("started in N ms", from its load() call).
async function visits(url) {
  const profile = mkdtempSync(join(os.tmpdir(), 'edgesignals-browser-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...chromiumOptions,
    headless: true,
  });
  try {
    await context.addInitScript(recordReady);
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const visit = async () => {
      await page.goto(url);
      await page.waitForFunction(() => window.__ready !== undefined || document.body?.dataset.state === 'failed', null, {
        timeout: 60_000,
      });
      if (errors.length) throw new Error(`${url}: ${errors.join('\n')}`);
      const [ready, status, phases] = await page.evaluate(() => [
        window.__ready,
        document.getElementById('status')?.textContent,
        window.__phases,
      ]);
      if (ready === undefined) throw new Error(`${url} failed: ${status}`);
      const started = /started in (\d+) ms/.exec(status ?? '');
      return { ready, started: started ? Number(started[1]) : undefined, phases };
    };
    const first = await visit();
    if (first.phases) return first.phases; // the phases page: one visit
    await page.goto('about:blank');
    const codeCached = await waitForCodeCache(profile);
    const repeat = await visit();
    return { first, repeat, codeCached };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// Chromium writes compiled wasm code to its code cache after a streamed
// compile once V8 has optimized enough of it (its caching threshold), or a
// while after it optimized some (its 2 s caching timeout); a repeat visit
// before that would not find it. Waits up to 3 s for an entry, and reports
// whether one came.
async function waitForCodeCache(profile) {
  const dir = join(profile, 'Default', 'Code Cache', 'wasm');
  const deadline = performance.now() + 3000;
  while (performance.now() < deadline) {
    if (existsSync(dir) && readdirSync(dir).some((f) => /_0$/.test(f))) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}


const loadBefore = os.loadavg()[0];
const sizes = buildWorker();
const workerd = await startWorkerd(BUILD + 'config.capnp', ['http'], { path: '/health' });
const results = [];
try {
  for (let run = 1; run <= runs; run++) {
    const demo = await visits(workerd.urls.http + '/demo/');
    const minimal = await visits(workerd.urls.http + '/bench/');
    const phases = await visits(workerd.urls.http + '/bench/phases.html' + (run % 2 ? '' : '?minimal-first'));
    results.push({ demo, minimal, phases });
    console.error(`run ${run} of ${runs}: ${JSON.stringify({ demo, minimal, phases })}`);
  }
} finally {
  await workerd.stop();
}

// --- report ---

const loadAfter = os.loadavg()[0];

const med = (f) => median(results.map(f));
const ms = (v) => `${Math.round(v)} ms`;
const x = (v) => v.toFixed(2) + 'x';
const verdict = (met) => (met ? 'met' : '**missed**');
const kb = (n) => `${Math.round(n / 1024).toLocaleString('en-US')} KB`;
const chromiumVersion = execFileSync('/usr/lib/chromium/chromium', ['--version'], { encoding: 'utf8' }).trim();

const firstRatio = med((r) => r.demo.first.ready / r.minimal.first.ready);
const repeatRatio = med((r) => r.demo.repeat.ready / r.minimal.first.ready);
const cached = (name) => results.filter((r) => r[name].codeCached).length;

const section = `
## Browser: loading the demo's module

\`node worker/bench/browser.mjs\` (\`make bench\`), ${runs} runs, medians; each ratio is taken within a run, then its
median is reported. One build of the example Worker in workerd serves both pages on loopback, each module gzipped
under a content-hashed name (cached for a year): **demo** (\`/demo/\`, the demo page: its head preloads
edgesignals.wasm, ${kb(sizes.demoBytes)}, and the package's modules, and its scripts call \`EdgeSignals.load()\` from there) and
**minimal** (a page that streams a Go js/wasm program doing one \`js.Global().Set\`, ${kb(sizes.minimalBytes)},
with \`WebAssembly.instantiateStreaming\` and runs it). Each figure is the time from the start of the navigation
to the page saying it is ready, in ${chromiumVersion} (headless, playwright-core), ${os.cpus().length} cores shared
with workerd (load average ${loadBefore.toFixed(1)} before the runs, ${loadAfter.toFixed(1)} after). A first visit uses a new profile; the repeat visit, the same profile right after, once Chromium has
written the compiled wasm code to its cache (a wasm code cache entry was there in ${cached('demo')} of ${runs} demo
and ${cached('minimal')} of ${runs} minimal runs).

| figure | demo | minimal | ratio | target |
|---|---|---|---|---|
| first visit: navigation to ready | ${ms(med((r) => r.demo.first.ready))} | ${ms(med((r) => r.minimal.first.ready))} | ${x(firstRatio)} minimal's first | ≤ 1.3x: ${verdict(firstRatio <= 1.3)} |
| repeat visit: navigation to ready | ${ms(med((r) => r.demo.repeat.ready))} | ${ms(med((r) => r.minimal.repeat.ready))} | ${x(repeatRatio)} minimal's first | < 1x: ${verdict(repeatRatio < 1)} |
| the demo's own "started in" (from its load() call), first / repeat | ${ms(med((r) => r.demo.first.started))} / ${ms(med((r) => r.demo.repeat.started))} | | | |
| phases, first visit: streamed compile | ${ms(med((r) => r.phases.demoCompile))} | ${ms(med((r) => r.phases.minimalCompile))} | ${x(med((r) => r.phases.demoCompile / r.phases.minimalCompile))} | |
| phases, first visit: start (Go's init and main to ready) | ${ms(med((r) => r.phases.demoStart))} | ${ms(med((r) => r.phases.minimalStart))} | ${x(med((r) => r.phases.demoStart / r.phases.minimalStart))} | |

The phases come from a third page (\`/bench/phases.html\`, a new profile each run) that compiles each module with
\`WebAssembly.compileStreaming\`, then starts it (\`load()\` of the compiled module for the demo's; instantiate and
\`go.run\` for the minimal one), one after the other, the demo's first in odd runs and second in even ones. The demo page starts its module as the minimal page does,
from its head: a \`<link rel="preload">\` fetches it with the page, and \`EdgeSignals.load()\`, called by the page's
head scripts, compiles it while it imports the package's modules (\`<link rel="modulepreload">\`, written by the
build). What is left of the gap is work the minimal page does not do, on the same ${os.cpus().length} cores: a module
${x(sizes.demoBytes / sizes.minimalBytes)} the minimal one's size to compile and start, the package's seven modules, and a page to lay out and paint. The first-visit ratios of
single runs ranged from ${x(Math.min(...results.map((r) => r.demo.first.ready / r.minimal.first.ready)))} to ${x(Math.max(...results.map((r) => r.demo.first.ready / r.minimal.first.ready)))}: on a busy machine, read the medians with that spread in mind.
`;

publish(out, 'browser-bench', section);
