#!/usr/bin/env node
// Benchmarks of the edgesignals npm package, all in one process so that
// every ratio compares figures taken side by side on this noisy machine:
//
//   node run.js [--quick] [--runs N] [out.json]
//
// Prints a JSON document (and writes it to out.json if given); report.js
// turns it into the JavaScript section of docs/benchmarks.md. Progress goes
// to stderr. --quick runs everything once with a few hundred iterations, as
// a smoke test: its figures mean nothing, but anything that throws fails it.
//
// Needs `make web web/test/testmodule.wasm` first, and `npm ci` here.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureGroup, pairedRatio } from './harness.js';
import { AWAITERS, EMITTERS, emitCases, tryEmitCases } from './cases-js.js';
import { BRIDGE_ROWS, bridgeCases, checkGoSum } from './cases-bridge.js';
import { measureLoad, measureSize } from './startup.js';

const WASM = new URL('../src/edgesignals.wasm', import.meta.url);
const TEST_MODULE = new URL('../test/testmodule.wasm', import.meta.url);
const WASM_EXEC = new URL('../src/wasm_exec.js', import.meta.url);
const MAKEFILE = new URL('../../Makefile', import.meta.url);

const LISTENER_COUNTS = [1, 10, 100];

function parseArgs(argv) {
  const args = { quick: false, runs: 7, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--runs') args.runs = positiveInt(argv[++i], '--runs');
    else if (a.startsWith('--runs=')) args.runs = positiveInt(a.slice(7), '--runs');
    else if (a.startsWith('-')) throw new Error(`unknown flag ${a}; usage: node run.js [--quick] [--runs N] [out.json]`);
    else if (args.out === undefined) args.out = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (args.quick) args.runs = 1;
  return args;
}

function positiveInt(s, flag) {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number above 0, got ${s}`);
  return n;
}

function requireBuilt() {
  const missing = [WASM, WASM_EXEC, TEST_MODULE].filter((u) => !existsSync(u)).map(fileURLToPath);
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run \`make web web/test/testmodule.wasm\` first`);
  }
}

const log = (...what) => console.error('bench:', ...what);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  requireBuilt();
  // Imported only now: index.js needs wasm_exec.js, which `make web` copies.
  const { load } = await import('../src/index.js');
  // Full runs calibrate each case to ~50 ms per timed run; quick ones take a fixed few hundred.
  const timing = args.quick ? { runs: 1, iterations: 300 } : { runs: args.runs, targetMs: 50 };

  // First, before any other module is compiled in this process.
  log('load()');
  const loaded = await measureLoad(load, WASM, args.quick ? 2 : 5);

  // The pure-JavaScript phases run before the bridge one: once a Signal has
  // called a Go listener stub, its emit loop's call site has seen two kinds
  // of function, which the other libraries' loops never would.
  log('emit, JavaScript listeners');
  const emitRaw = await measureGroup(LISTENER_COUNTS.flatMap(emitCases), timing);
  log('tryEmit, JavaScript listeners');
  const tryRaw = await measureGroup(LISTENER_COUNTS.flatMap(tryEmitCases), timing);

  log('bridge into Go');
  const tm = await load(TEST_MODULE);
  const bridgeRaw = await measureGroup(bridgeCases(loaded.es, tm), timing);
  checkGoSum(tm, bridgeRaw);

  log('sizes (builds a minimal Go program; brotli takes a while)');
  const size = measureSize(WASM, MAKEFILE, args);
  for (const w of size.warnings) log('warning:', w);

  const doc = {
    meta: machine(args, timing),
    emit: byListeners(emitRaw, LISTENER_COUNTS, EMITTERS, 'eventemitter3'),
    tryEmit: byListeners(tryRaw, LISTENER_COUNTS, AWAITERS, 'emittery-await'),
    bridge: bridgeTable(bridgeRaw),
    load: loaded.result,
    size,
  };
  doc.targets = targets(doc);

  const json = JSON.stringify(doc, roundFloats, 2) + '\n';
  process.stdout.write(json);
  if (args.out) writeFileSync(args.out, json);
  for (const t of doc.targets) log(`${t.met ? 'met   ' : 'MISSED'} ${t.what}: ${t.value.toFixed(2)} ${t.unit} (target ≤ ${t.limit})`);
}

// Three decimals are more than any figure here is worth.
function roundFloats(_key, value) {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
}

// Arranges results as {k: {case: {label, median, ..., vsBaseline}}}, each
// ratio paired round by round with the baseline's figure of the same k.
function byListeners(raw, counts, rows, baseline) {
  const out = {};
  for (const k of counts) {
    out[k] = { baseline };
    for (const [id, label] of rows) {
      const r = raw[`${id}/${k}`];
      out[k][id] = { label, ...r, vsBaseline: pairedRatio(r, raw[`${baseline}/${k}`]) };
    }
  }
  return out;
}

function bridgeTable(raw) {
  const out = {};
  for (const [id, label, baseline] of BRIDGE_ROWS) {
    out[id] = { label, ...raw[id] };
    if (baseline) out[id].vsBaseline = { baseline, ...pairedRatio(raw[id], raw[baseline]) };
  }
  return out;
}

// The targets of the issue, each as {what, value, unit, limit, met}.
function targets(doc) {
  const t = (id, what, value, unit, limit) => ({ id, what, value, unit, limit, met: value <= limit });
  return [
    t('emit-1', 'Signal.emit vs eventemitter3, 1 listener', doc.emit[1].edgesignals.vsBaseline.median, 'x', 3),
    t('emit-10', 'Signal.emit vs eventemitter3, 10 listeners', doc.emit[10].edgesignals.vsBaseline.median, 'x', 3),
    t('bridge-number', 'emit of a number into one Go listener', doc.bridge['go-sum-emit'].median, 'ns', 1000),
    t('bridge-object', 'emit of a small object into go:validate', doc.bridge['orders-emit'].median, 'ns', 5000),
    t('bridge-try-texts', 'await tryEmit, 1 Go listener (texts) vs await emittery.emit', doc.bridge['texts-try'].vsBaseline.median, 'x', 1),
    t('bridge-try-sum', 'await tryEmit, 1 Go listener (go.sum) vs await emittery.emit', doc.bridge['go-sum-try'].vsBaseline.median, 'x', 1),
    t('load-first', 'first load() to ready, compile included', doc.load.firstMs, 'ms', 60),
    t('load-fresh', 'later load() to ready (median)', doc.load.freshMs.median, 'ms', 60),
    t('size-raw', 'edgesignals.wasm raw', doc.size.edgesignals.raw, 'bytes', 2_300_000),
    t('size-gzip', 'edgesignals.wasm gzip -9', doc.size.edgesignals.gzip, 'bytes', 650_000),
  ];
}

function machine(args, timing) {
  return {
    date: new Date().toISOString(),
    quick: args.quick,
    ...timing,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    go: execFileSync('go', ['version'], { encoding: 'utf8' }).trim(),
    libraries: libraryVersions(),
  };
}

function libraryVersions() {
  const names = ['eventemitter3', 'mitt', 'nanoevents', 'emittery', 'rxjs'];
  return Object.fromEntries(
    names.map((name) => {
      const pkg = new URL(`./node_modules/${name}/package.json`, import.meta.url);
      return [name, JSON.parse(readFileSync(pkg, 'utf8')).version];
    }),
  );
}

main().catch((error) => {
  console.error('bench: failed:', error);
  process.exitCode = 1;
});
