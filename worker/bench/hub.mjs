#!/usr/bin/env node
// The hub benchmark: 1,000 events to N subscribers of one signal, in one
// workerd, side by side:
//   hub    worker/js/hub.mjs (stored seq, replay log, windows)
//   floor  bench/hub-floor.mjs: the same frames with the least work (one
//          SQLite write an event, then a broadcast)
//   party  partyserver (npm) broadcasting each message to its room
//   ruled  the hub with rules in Go (worker/internal/testrules: checks and
//          rewrites every event), up to 100 subscribers
// The emitter sends an event, waits for its ack (party: its own echo), then
// sends the next; every subscriber checks it got each event once, in order.
// Latency is taken on the client, from the emitter's send to each receipt.
// Then: what waking an evicted hub costs with and without Go rules; Go
// emitters (a Worker that only emits, bench/hubemitter, and the example
// Worker's POST /api/orders?share=1, through worker.Hub) against a
// JavaScript one (POST /hub/orders) on the same Worker and signal; and the
// Go request path on its own.
// Writes its section between the hub-bench markers of docs/benchmarks.md.
//
//   node bench/hub.mjs [--runs 3] [--quick] [--out docs/benchmarks.md]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startWorkerd } from '../test/workerd.js';
import { benchOptions, cpuNs, median, publish } from './report.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const WORKERD = here('../node_modules/.bin/workerd');
const ESBUILD = here('../node_modules/.bin/esbuild');
const TARGETS = ['hub', 'floor', 'party', 'ruled'];
const RULED_MAX = 100; // the ruled hub is measured up to this many subscribers

const { quick, runs, out } = benchOptions(3);
const SIZES = quick ? [1, 10] : [1, 10, 100, 1000];
// Events per measurement: 1,000, but 200 at 1,000 subscribers, where one
// measurement is already 200,000 deliveries into one Node process.
const eventsFor = (n) => (quick ? 50 : n >= 1000 ? 200 : 1000);

/** Builds the three Workers and their config in a fresh folder; returns the config's path. */
function build() {
  const dir = mkdtempSync(join(os.tmpdir(), 'hub-bench-'));
  cpSync(here('../js/hub.mjs'), join(dir, 'hub.mjs'));
  cpSync(here('hub-floor.mjs'), join(dir, 'hub-floor.mjs'));
  cpSync(here('../test/testrules.wasm'), join(dir, 'rules.wasm'));
  cpSync(here('../js/worker.mjs'), join(dir, 'worker.mjs'));
  cpSync(here('../example/build/wasm_exec.js'), join(dir, 'wasm_exec.js')); // Go's, from make worker
  // /evict evicts the Worker's Durable Objects (workerd:unsafe).
  const entry = (head, className, binding) => `${head}
import unsafe from "workerd:unsafe";
import { routeHub } from "./hub.mjs";
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/evict") return (await unsafe.evictAllDurableObjects(), new Response("evicted"));
    return routeHub(request, env.${binding}) ?? new Response("not found", { status: 404 });
  },
};
`;
  writeFileSync(join(dir, 'hub-entry.mjs'), entry('export { SignalHub } from "./hub.mjs";', 'SignalHub', 'HUB'));
  writeFileSync(
    join(dir, 'ruled-entry.mjs'),
    entry(
      `import rules from "./rules.wasm";
import { SignalHub } from "./hub.mjs";
export class RuledHub extends SignalHub {
  static options = { rules };
}`,
      'RuledHub',
      'RULED',
    ),
  );
  writeFileSync(
    join(dir, 'floor-entry.mjs'),
    `export { FloorHub } from "./hub-floor.mjs";
export default {
  fetch(request, env) {
    const name = new URL(request.url).pathname.slice("/hub/".length);
    return env.FLOOR.get(env.FLOOR.idFromName(name)).fetch(request);
  },
};
`,
  );
  // partyserver imports cloudflare:workers, which workerd provides.
  execFileSync(ESBUILD, [here('hub-party.mjs'), '--bundle', '--format=esm', '--platform=neutral', '--main-fields=module,main',
    '--conditions=workerd,worker,browser', '--external:cloudflare:workers', '--log-level=warning', `--outfile=${join(dir, 'party.mjs')}`]);
  for (const t of TARGETS) mkdirSync(join(dir, 'storage', t), { recursive: true });
  const worker = (name, modules, className, binding) => `
const ${name} :Workerd.Worker = (
  modules = [${modules.map(([n, file]) => `(name = "${n}", ${n.endsWith('.wasm') ? 'wasm' : 'esModule'} = embed "${file}")`).join(', ')}],
  compatibilityDate = "2026-11-01",
  compatibilityFlags = ["unsafe_module"],
  durableObjectNamespaces = [(className = "${className}", uniqueKey = "bench-${name}", enableSql = true)],
  durableObjectStorage = (localDisk = "${name}-storage"),
  bindings = [(name = "${binding}", durableObjectNamespace = "${className}")],
);`;
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${TARGETS.map((t) => `(name = "${t}", worker = .${t}), (name = "${t}-storage", disk = (path = "${join(dir, 'storage', t)}", writable = true))`).join(',\n    ')},
  ],
  sockets = [${TARGETS.map((t) => `(name = "${t}", address = "127.0.0.1:0", http = (), service = "${t}")`).join(', ')}],
);
${worker('hub', [['hub-entry.mjs', 'hub-entry.mjs'], ['hub.mjs', 'hub.mjs'], ['worker.mjs', 'worker.mjs'], ['wasm_exec.js', 'wasm_exec.js']], 'SignalHub', 'HUB')}
${worker('floor', [['floor-entry.mjs', 'floor-entry.mjs'], ['hub-floor.mjs', 'hub-floor.mjs']], 'FloorHub', 'FLOOR')}
${worker('party', [['party.mjs', 'party.mjs']], 'Party', 'Party')}
${worker('ruled', [['ruled-entry.mjs', 'ruled-entry.mjs'], ['hub.mjs', 'hub.mjs'], ['worker.mjs', 'worker.mjs'], ['wasm_exec.js', 'wasm_exec.js'], ['rules.wasm', 'rules.wasm']], 'RuledHub', 'RULED')}
`,
  );
  return join(dir, 'config.capnp');
}

// The URL of a fresh signal of target, and how its frames read.
const PROTOCOLS = {
  hub: { path: (name) => `/hub/${name}`, hello: true, ack: true },
  floor: { path: (name) => `/hub/${name}`, hello: true, ack: true },
  party: { path: (name) => `/parties/party/${name}`, hello: false, ack: false },
  ruled: { path: (name) => `/hub/rules-${name}`, hello: true, ack: true }, // "rules..." signals have an event rule
};

/** Opens a socket and resolves once it is ready (hub and floor: after hello). */
function open(url, hello) {
  // Browsers always offer permessage-deflate; so do these clients.
  const ws = new WebSocket(url, { perMessageDeflate: true });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    if (hello) ws.once('message', () => resolve(ws));
    else ws.once('open', () => resolve(ws));
  });
}

/**
 * One measurement: EVENTS events to n subscribers of target. Returns the
 * latencies (ms) of every delivery, the deliveries per second from the
 * first send to the last receipt, and the CPU time (µs) per delivery that
 * workerd (process pid) and this client process had meanwhile.
 */
async function measure(base, target, n, name, pid) {
  const EVENTS = eventsFor(n);
  const proto = PROTOCOLS[target];
  const url = base.replace('http:', 'ws:') + proto.path(name);
  const subs = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Math.min(50, n - i);
    subs.push(...(await Promise.all(Array.from({ length: batch }, () => open(url, proto.hello)))));
  }
  const emitter = await open(proto.ack ? url + '?subscribe=0' : url, proto.hello);
  const sentAt = new Float64Array(EVENTS + 1);
  const latency = new Float64Array(n * EVENTS);
  let received = 0;
  let lastAt = 0;
  let allDone;
  const done = new Promise((resolve) => (allDone = resolve));
  const errors = [];
  for (const ws of [...subs, emitter]) ws.on('error', (error) => errors.push(`${target} n=${n}: ${error.message}`));
  subs.forEach((ws, s) => {
    let expect = 1;
    ws.on('message', (data) => {
      const at = performance.now();
      const frame = JSON.parse(data);
      const i = proto.hello ? frame.data?.i : frame.i;
      if (i === undefined) return; // not an event
      if (i !== expect) errors.push(`${target} n=${n}: subscriber ${s} got event ${i}, expected ${expect}`);
      expect = i + 1;
      latency[received++] = at - sentAt[i];
      lastAt = at;
      if (proto.ack && i % 250 === 0) ws.send(`{"t":"got","seq":${frame.seq}}`);
      if (received === n * EVENTS) allDone();
    });
  });
  // The next event goes once the emitter has the ack (party: the echo).
  let next;
  emitter.on('message', (data) => {
    const frame = JSON.parse(data);
    if (proto.ack ? frame.t === 'ack' : frame.i !== undefined) next();
  });
  const cpu = { workerd: cpuNs(pid), client: process.cpuUsage() };
  const start = performance.now();
  for (let i = 1; i <= EVENTS; i++) {
    const answered = new Promise((resolve) => (next = resolve));
    sentAt[i] = performance.now();
    emitter.send(proto.ack ? `{"t":"emit","id":${i},"data":{"i":${i},"n":${i}}}` : `{"i":${i}}`);
    await answered;
  }
  const timeout = setTimeout(() => allDone(), 300_000); // then the count below fails
  await done;
  clearTimeout(timeout);
  const workerdUs = (cpuNs(pid) - cpu.workerd) / 1000 / received;
  const { user, system } = process.cpuUsage(cpu.client);
  const clientUs = (user + system) / received;
  for (const ws of [...subs, emitter]) ws.terminate();
  if (received !== n * EVENTS) errors.push(`${target} n=${n}: ${received} of ${n * EVENTS} deliveries`);
  if (errors.length) throw new Error(errors.slice(0, 5).join('\n'));
  latency.sort();
  const pick = (q) => latency[Math.min(latency.length - 1, Math.floor(q * latency.length))];
  return { p50: pick(0.5), p99: pick(0.99), rate: received / ((lastAt - start) / 1000), workerdUs, clientUs };
}


/** POSTs data as JSON to url; resolves with the answer once it is in. */
async function post(url, data, headers = {}) {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(data), headers });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`POST ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/**
 * What waking costs: an emit (POST) to a hub object that was just evicted,
 * with Go rules (ruled: Go starts again) and without (hub), and then emits
 * to the awake object. Medians of a few objects.
 */
async function wakeCosts(urls, run) {
  const out = {};
  for (const t of ['hub', 'ruled']) {
    const wakes = [];
    const awake = [];
    for (let k = 0; k < 3; k++) {
      const url = urls[t] + PROTOCOLS[t].path(`wake-r${run}-${k}`);
      await post(url, { n: 0 }); // the object exists (and, ruled, has run Go once)
      if ((await fetch(urls[t] + '/evict').then((r) => r.text())) !== 'evicted') throw new Error('no eviction');
      let at = performance.now();
      await post(url, { n: 1 });
      wakes.push(performance.now() - at);
      for (let i = 0; i < 20; i++) {
        at = performance.now();
        await post(url, { n: i });
        awake.push(performance.now() - at);
      }
    }
    out[t] = { wake: median(wakes), awake: median(awake) };
  }
  return out;
}

/**
 * Go and JavaScript emitters taking turns on one signal with 10
 * subscribers: the emit-to-receipt p50 of each kind, and of each request its
 * p50 time to the response. kinds maps a kind to (item) => the POST's
 * [url, body, headers].
 */
async function emitters(base, kinds, run) {
  const events = quick ? 20 : 200;
  const n = 10;
  const names = Object.keys(kinds);
  const subs = await Promise.all(Array.from({ length: n }, () => open(base.replace('http:', 'ws:') + '/hub/orders', true)));
  const sentAt = new Map();
  const latency = Object.fromEntries(names.map((k) => [k, []]));
  const answered = Object.fromEntries(names.map((k) => [k, []]));
  let received = 0;
  let allDone;
  const done = new Promise((resolve) => (allDone = resolve));
  const errors = [];
  for (const ws of subs) {
    let expect = 1;
    ws.on('message', (data) => {
      const at = performance.now();
      const frame = JSON.parse(data);
      if (frame.t !== 'event') return;
      const [, r, i] = frame.data.item.split(' ').map(Number);
      if (r !== run) return; // an order of someone else
      if (i !== expect) errors.push(`event ${i}, expected ${expect}`);
      expect = i + 1;
      latency[names[i % names.length]].push(at - sentAt.get(i));
      if (++received === n * events) allDone();
    });
  }
  for (let i = 1; i <= events; i++) {
    const kind = names[i % names.length];
    const [url, body, headers] = kinds[kind](`bench ${run} ${i}`, i);
    sentAt.set(i, performance.now());
    await post(url, body, headers);
    answered[kind].push(performance.now() - sentAt.get(i));
  }
  const timeout = setTimeout(allDone, 30_000);
  await done;
  clearTimeout(timeout);
  for (const ws of subs) ws.terminate();
  if (received !== n * events) errors.push(`${received} of ${n * events} deliveries`);
  if (errors.length) throw new Error('emitters: ' + errors.slice(0, 5).join('; '));
  return Object.fromEntries(names.map((k) => [k, { receipt: median(latency[k]), response: median(answered[k]) }]));
}

/**
 * The Go request path on its own, in the emitter Worker: a Go handler that
 * answers at once (GET /now) against the same entry module answering a
 * static file (GET /ping.txt), taking turns: the p50 of each.
 */
async function requestPath(base) {
  const times = { go: [], js: [] };
  for (let i = 0; i < (quick ? 20 : 200); i++) {
    for (const [kind, path] of i % 2 ? [['go', '/now'], ['js', '/ping.txt']] : [['js', '/ping.txt'], ['go', '/now']]) {
      const at = performance.now();
      const response = await fetch(base + path);
      await response.text();
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
      times[kind].push(performance.now() - at);
    }
  }
  return { go: median(times.go), js: median(times.js) };
}

// The example's order pipeline (POST /api/orders?share=1), its JavaScript
// emitter, the emitter Worker's Go handler that only emits, and its
// JavaScript emitter.
const ORDER = (base, run) => (item, i) => [
  base + '/api/orders?share=1',
  { item, quantity: 1, email: 'bench@example.com' },
  // A client id each: the example's rate limit is per client.
  { authorization: 'Bearer dev-token', 'content-type': 'application/json', 'x-client-id': `bench-${run}-${i}` },
];
const JS_EMIT = (base) => (item) => [base + '/hub/orders', { item, quantity: 1, from: 'JavaScript' }];
const GO_EMIT = (base) => (item) => [base + '/emit?item=' + encodeURIComponent(item), {}];

const load = os.loadavg()[0];
const config = build();
const workerd = await startWorkerd(config, TARGETS, { path: '/', args: ['--experimental'] });
const example = await startWorkerd(here('../example/build/config.capnp'), ['http'], { path: '/health' });
const emitter = await startWorkerd(here('build/hubemitter/config.capnp'), ['http'], { path: '/ping.txt' }); // make bench-hub builds it
const results = []; // per run: { [target]: { [n]: figures }, wake, emitters }
try {
  for (let run = 1; run <= runs; run++) {
    const r = {};
    for (const t of TARGETS) r[t] = {};
    for (const n of SIZES) {
      // Rotated per run, so that no target always goes first.
      for (let k = 0; k < TARGETS.length; k++) {
        const t = TARGETS[(k + run) % TARGETS.length];
        if (t === 'ruled' && n > RULED_MAX) continue;
        r[t][n] = await measure(workerd.urls[t], t, n, `r${run}-n${n}`, workerd.child.pid);
        console.error(`run ${run}, n=${n}, ${t}: ${JSON.stringify(r[t][n])}`);
      }
    }
    r.wake = await wakeCosts(workerd.urls, run);
    r.emitters = await emitters(emitter.urls.http, { go: GO_EMIT(emitter.urls.http), js: JS_EMIT(emitter.urls.http) }, run);
    r.orders = await emitters(example.urls.http, { go: ORDER(example.urls.http, run), js: JS_EMIT(example.urls.http) }, run);
    r.path = await requestPath(emitter.urls.http);
    console.error(`run ${run}: ${JSON.stringify({ wake: r.wake, emitters: r.emitters, orders: r.orders, path: r.path })}`);
    results.push(r);
  }
} finally {
  await workerd.stop();
  await example.stop();
  await emitter.stop();
}

// --- report ---

const med = (f) => median(results.map(f));
const ms = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2)) + ' ms';
const rate = (v) => Math.round(v).toLocaleString('en-US') + '/s';
const x = (v) => v.toFixed(2) + 'x';
const verdict = (met) => (met ? 'met' : '**missed**');
const workerdVersion = execFileSync(WORKERD, ['--version'], { encoding: 'utf8' }).trim();
const partyVersion = JSON.parse(readFileSync(here('../node_modules/partyserver/package.json'), 'utf8')).version;

const rows = SIZES.map((n) => {
  const p50 = med((r) => r.hub[n].p50);
  const p99 = med((r) => r.hub[n].p99);
  const floorRatio = med((r) => r.hub[n].p50 / r.floor[n].p50);
  const partyRatio = med((r) => r.hub[n].p50 / r.party[n].p50);
  const targets = [`≤ 1.2x floor: ${verdict(floorRatio <= 1.2)}`];
  if (n === 100) targets.push(`p50 ≤ 2.5 ms: ${verdict(p50 <= 2.5)}`, `p99 ≤ 10 ms: ${verdict(p99 <= 10)}`);
  if (n === 1000) targets.push(`p50 ≤ 15 ms: ${verdict(p50 <= 15)}`);
  const cell = (t) => (n > RULED_MAX && t === 'ruled' ? '' : `${ms(med((r) => r[t][n].p50))} / ${ms(med((r) => r[t][n].p99))}`);
  return `| ${n.toLocaleString('en-US')} | ${cell('hub')} | ${cell('floor')} | ${cell('party')} | ${cell('ruled')} | ${x(floorRatio)} | ${x(partyRatio)} | ${rate(med((r) => r.hub[n].rate))} / ${rate(med((r) => r.floor[n].rate))} / ${rate(med((r) => r.party[n].rate))} | ${targets.join('; ')} |`;
});
// CPU per delivery (µs): null where /proc gives none.
const us = (t, n, side) => {
  const v = med((r) => r[t][n][side]);
  return Number.isFinite(v) ? v.toFixed(1) : 'n/a';
};
const cpuRows = SIZES.map(
  (n) =>
    `| ${n.toLocaleString('en-US')} | ${['hub', 'floor', 'party'].map((t) => us(t, n, 'workerdUs')).join(' / ')} | ${['hub', 'floor', 'party'].map((t) => us(t, n, 'clientUs')).join(' / ')} |`,
);
const largest = SIZES[SIZES.length - 1];
const [workerdLargest, clientLargest] = ['workerdUs', 'clientUs'].map((side) => med((r) => r.hub[largest][side]));
const pace =
  clientLargest < workerdLargest
    ? `so workerd's work, not the measuring client's, sets the pace`
    : `so the measuring client, not workerd, is the limit there`;
const wake = (t) => ms(med((r) => r.wake[t].wake));
const awake = (t) => ms(med((r) => r.wake[t].awake));
const goStart = med((r) => r.wake.ruled.wake - r.wake.hub.wake);
const diff = (what, key) => med((r) => r[what].go[key] - r[what].js[key]);
const goJS = diff('emitters', 'receipt');
const pathCost = med((r) => r.path.go - r.path.js);
const emitterRow = (what, kind, label) => `| ${label} | ${ms(med((r) => r[what][kind].receipt))} | ${ms(med((r) => r[what][kind].response))} |`;

const section = `
## Hub: fan-out of one signal in workerd

\`node worker/bench/hub.mjs\` (\`make bench\`), ${runs} runs, medians; each ratio is taken within a run (p50 against
p50), then its median is reported. One ${workerdVersion} serves three Durable Objects with SQLite storage on
disk: **hub** (worker/js/hub.mjs: stored seq, replay log, per-subscriber windows), **floor** (worker/bench/hub-floor.mjs:
the same frames with one SQLite write an event and a broadcast, nothing else; like the hub, it acks an emit after
its broadcast) and **party** (partyserver
${partyVersion} from npm, bundled by esbuild, \`hibernate: true\`, broadcasting each message to its room). One emitter sends
${eventsFor(1).toLocaleString('en-US')} events, each after the previous one's ack (party: its own echo); every subscriber checks
that it got each event once and in order. Latency is emit-to-receipt on the client (\`ws\` 8 in one Node ${process.version}
process, offering permessage-deflate as browsers do: the hub and the floor decline it, partyserver accepts).
${os.cpus().length} cores shared by workerd, the clients and other work (1-minute load average at the start: ${load.toFixed(1)}, at the
end: ${os.loadavg()[0].toFixed(1)}). At 1,000 subscribers each measurement sends ${eventsFor(1000)} events, not ${eventsFor(1)}.
Messages/s counts deliveries from the first send to the last receipt.

| subscribers | hub p50 / p99 | floor p50 / p99 | party p50 / p99 | hub + Go rules p50 / p99 | hub / floor | hub / party | messages/s hub / floor / party | targets |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Where the time goes: CPU time per delivery (µs), from the first send to the last receipt, of workerd
(/proc's schedstat, all its threads; the one event's SQLite commit and fsync included) and of the client
process (\`process.cpuUsage\`). At ${largest.toLocaleString('en-US')} subscribers the hub's deliveries cost the client
${clientLargest.toFixed(1)} µs each and workerd ${workerdLargest.toFixed(1)} µs, ${pace}. In \`perf\` profiles of workerd, that
time is mostly \`WebSocket.send\` (a \`sendto\` system call per frame and subscriber, and the kernel's work behind it)
and SQLite (each event's statements, commit and \`fsync\`), little the hub's own JavaScript: the floor pays the same.

| subscribers | workerd CPU per delivery: hub / floor / party | client CPU per delivery: hub / floor / party |
|---|---|---|
${cpuRows.join('\n')}

**hub + Go rules**: the hub class with rules in Go (worker/internal/testrules, run inside the object by
\`worker.ServeHubRules\`: a connect rule, and an event rule that decodes, checks and re-encodes every event).

| waking (POST from Node's fetch, medians of 3 objects a run) | hub | hub + Go rules |
|---|---|---|
| first emit to an object just evicted (\`workerd:unsafe\`) | ${wake('hub')} | ${wake('ruled')} (Go's start ≈ ${ms(goStart)}) |
| emits to the awake object | ${awake('hub')} | ${awake('ruled')} |

A hub without rules never starts Go. With rules, Go starts on the first action after the object
(re)starts: after every hibernation or eviction, the first connect or emit pays the start above.

Emitters: a Go and a JavaScript emitter of one Worker take turns, one POST each from Node's fetch, with 10
subscribers of \`orders\`; emit-to-receipt is from the POST to the subscribers' receipt, and the response p50 is
the POST's round trip (for Go, until \`TryEmit\` returned and the Go handler answered).

| emitter | p50 emit-to-receipt | p50 response |
|---|---|---|
${emitterRow('emitters', 'go', 'Go: a handler that only emits, \`worker.Hub.TryEmit\` through the stub\'s RPC (worker/bench/hubemitter, POST /emit)')}
${emitterRow('emitters', 'js', 'JavaScript, same Worker: POST /hub/orders (\`routeHub\` to the object)')}
| **difference** (median of per-run differences): target ≤ 1 ms, ${verdict(goJS <= 1)} | ${ms(goJS)} | ${ms(diff('emitters', 'response'))} |
${emitterRow('orders', 'go', "Go in the example's order pipeline: POST /api/orders?share=1 (token, rate limit, validation, the order kept, then \`TryEmit\`)")}
${emitterRow('orders', 'js', 'JavaScript, example Worker: POST /hub/orders')}
| difference | ${ms(diff('orders', 'receipt'))} | ${ms(diff('orders', 'response'))} |

The Go request path alone, in the emitter Worker (GET, taking turns): a Go handler that answers at once
${ms(med((r) => r.path.go))} against the entry module answering a static file ${ms(med((r) => r.path.js))}, so Go's
request path costs ${ms(pathCost)} a request here. A Go emitter pays it before it can emit; the rest of its difference is
\`TryEmit\`'s own work: encoding, and the call of \`emitJSON\` on the object's stub (a Workers RPC; the JavaScript
emitter's POST is forwarded to the object as it came); in the example, also its order pipeline.
`;

publish(out, 'hub-bench', section);
