// The cases of docs/semantics.json, run against the JavaScript Signal and
// against a Go signal that JavaScript drives through the bridge (the test
// module's go.semantics signals). signals/semantics_test.go runs the same
// cases against Go signals, so that the three cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { load, Signal, GoError } from '../src/index.js';

const { cases } = JSON.parse(readFileSync(new URL('../../docs/semantics.json', import.meta.url), 'utf8'));

/** The expectation for runner: one value for all, or one per runner. */
function pick(expected, runner) {
  const perRunner = expected !== null && typeof expected === 'object' && !Array.isArray(expected) &&
    ['go', 'js', 'bridge'].some((r) => r in expected);
  return perRunner ? expected[runner] : expected;
}

/** An error as the cases describe it: {kind, key?, message?} or {kind: 'all', errors}. */
function describe(error, reason) {
  if (error === reason) return { kind: 'aborted' };
  if (error instanceof AggregateError) return { kind: 'all', errors: error.errors.map((e) => describe(e, reason)) };
  const described = { kind: error instanceof GoError && error.name === 'PanicError' ? 'panic' : 'error', message: error.message };
  if (error.key !== undefined) described.key = error.key;
  return described;
}

/** What of got the expectation names (the cases leave some fields out). */
function only(got, expected) {
  if (expected === null || got === null || typeof expected !== 'object') return got;
  if (Array.isArray(expected)) return got.map((g, i) => only(g, expected[i]));
  return Object.fromEntries(Object.keys(expected).map((k) => [k, only(got[k], expected[k])]));
}

const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Runs the cases with a driver: setup(case) returns the signal, after which
 * calls and reported list what happened; abort() aborts the running tryEmit.
 */
function runCases(runner, driver) {
  for (const c of cases) {
    test(`${runner}: ${c.name}`, async () => {
      const signal = driver.setup(c);
      for (const [i, step] of c.steps.entries()) {
        const where = `step ${i + 1} (${step.op})`;
        driver.calls.length = 0;
        driver.reported.length = 0;
        if (step.op === 'emit') {
          signal.emit(0);
          if (c.signal === 'async') await macrotask();
        } else if (step.op === 'tryEmit') {
          const controller = new AbortController();
          driver.abort = () => controller.abort(new Error('aborted'));
          if (step.abortBefore) controller.abort(new Error('aborted'));
          const error = await signal.tryEmit(0, { signal: controller.signal }).then(() => null, (e) => e);
          const want = pick(step.error, runner);
          assert.deepEqual(error === null ? null : only(describe(error, controller.signal.reason), want), want, where);
        } else if (step.op === 'add') {
          const { name, key, once } = step.listener;
          const record = () => driver.calls.push(name);
          assert.equal(once ? signal.addOnce(record, key) : signal.addListener(record, key), step.returns, where);
        } else if (step.op === 'remove') {
          assert.equal(signal.removeListener(step.key), step.returns, where);
        }
        if (step.calls) {
          const calls = c.signal === 'async' ? [...driver.calls].sort() : driver.calls;
          assert.deepEqual(calls, step.calls, `${where}: calls`);
        }
        if (step.reported) assert.deepEqual([...driver.reported].sort(), pick(step.reported, runner), `${where}: reported`);
        if (step.size !== undefined) assert.equal(signal.size, step.size, `${where}: size`);
      }
    });
  }
}

// The JavaScript Signal, with listeners that do what the cases say.
const js = { calls: [], reported: [], abort: () => {} };
js.setup = (c) => {
  const signal = new Signal({ async: c.signal === 'async', onError: (_, { key }) => js.reported.push(key) });
  const add = ({ name, key, once, does = '' }) => {
    const listener = (depth) => {
      js.calls.push(name);
      if (does === 'fail') throw new Error(`${name} failed`);
      if (does === 'panic') throw new Error(`${name} panicked`); // JavaScript has no panics: a throw is the failure
      if (does.startsWith('remove:')) signal.removeListener(does.slice('remove:'.length));
      if (does.startsWith('add:')) add({ name: does.slice('add:'.length), key: does.slice('add:'.length) });
      if (does === 'emit' && depth === 0) signal.emit(depth + 1);
      if (does === 'reset') signal.reset();
      if (does === 'abort') js.abort();
    };
    if (once) signal.addOnce(listener, key);
    else signal.addListener(listener, key);
  };
  c.listeners.forEach(add);
  return signal;
};
runCases('js', js);

// A Go signal with Go listeners (set up by the test module), driven from here.
const es = await load(new URL('./testmodule.wasm', import.meta.url));
const bridge = { calls: [], reported: [], abort: () => {} };
es.signal('go.semantics.calls').addListener((name) => bridge.calls.push(name), 'test');
es.signal('go.semantics.reported').addListener((key) => bridge.reported.push(key), 'test');
es.signal('go.semantics.abort').addListener(() => bridge.abort(), 'test');
bridge.setup = (c) => {
  es.signal('go.semantics.setup').emit({ signal: c.signal, listeners: c.listeners });
  return es.signal(c.signal === 'sync' ? 'go.semantics' : 'go.semantics.async');
};
runCases('bridge', bridge);

test('the cases cover sync and async signals, every op and every listener action', () => {
  const ops = new Set(cases.flatMap((c) => c.steps.map((s) => s.op)));
  assert.deepEqual([...ops].sort(), ['add', 'emit', 'remove', 'tryEmit']);
  const actions = new Set(cases.flatMap((c) => c.listeners.map((l) => (l.does ?? 'record').split(':')[0])));
  assert.deepEqual([...actions].sort(), ['abort', 'add', 'emit', 'fail', 'panic', 'record', 'remove', 'reset']);
  assert.deepEqual([...new Set(cases.map((c) => c.signal))].sort(), ['async', 'sync']);
});
