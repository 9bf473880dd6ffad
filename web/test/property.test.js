// Property tests with fast-check: random payloads survive a round trip
// through Go, and random operation sequences on a JavaScript Signal and on
// a Go-exported signal behave as a simple model of the documented semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { load, Signal } from '../src/index.js';

const es = await load(new URL('./testmodule.wasm', import.meta.url));
const RUNS = 200;

/** What go.echoed receives for payload, after a round trip through Go. */
async function roundTrip(payload) {
  let got;
  es.signal('go.echoed').addListener((v) => (got = v), 'property');
  try {
    await es.signal('go.echo').tryEmit(payload);
  } finally {
    es.signal('go.echoed').removeListener('property');
  }
  return got;
}

// Payloads of the documented mapping: numbers (-0 arrives as 0), strings
// (lone surrogates arrive as U+FFFD), booleans, null, Uint8Arrays, arrays
// and plain objects.
const payload = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.string({ unit: 'grapheme' }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie('value'), { maxLength: 5 }),
    // Objects come back with Object.prototype, whatever prototype they left with.
    fc.dictionary(fc.string({ unit: 'grapheme' }), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

test('payloads of the mapping survive a round trip through Go', async () => {
  await fc.assert(
    fc.asyncProperty(payload, async (value) => {
      assert.deepEqual(await roundTrip(value), value);
    }),
    { numRuns: RUNS },
  );
});

// Operations on a listener set. Listeners are numbered; each records its
// number when called; "failing" ones throw.
const op = fc.oneof(
  fc.record({ kind: fc.constant('add'), key: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }), once: fc.boolean(), fails: fc.boolean() }),
  fc.record({ kind: fc.constant('remove'), key: fc.constantFrom('a', 'b', 'c', 'd', 'x') }),
  fc.record({ kind: fc.constant('reset') }),
  fc.record({ kind: fc.constant('emit') }),
  fc.record({ kind: fc.constant('tryEmit') }),
);

/** The documented semantics, written the obvious way. */
class Model {
  entries = [];
  add({ key, once, fails }, id) {
    if (key !== undefined && this.entries.some((e) => e.key === key)) return -1;
    this.entries.push({ id, key, once, fails });
    return this.entries.length;
  }
  remove(key) {
    const i = this.entries.findIndex((e) => e.key === key);
    if (i < 0) return -1;
    this.entries.splice(i, 1);
    return this.entries.length;
  }
  reset() {
    this.entries = [];
  }
  // Every listener is called by emit; tryEmit stops at the first failure.
  emit(stopAtFailure) {
    const called = [];
    let failed = false;
    for (const e of [...this.entries]) {
      called.push(e.id);
      if (e.once) this.entries.splice(this.entries.indexOf(e), 1);
      if (e.fails && stopAtFailure) {
        failed = true;
        break;
      }
    }
    return { called, failed };
  }
}

async function checkAgainstModel(signal, emitFor, ops) {
  const model = new Model();
  let calls = [];
  let id = 0;
  for (const o of ops) {
    switch (o.kind) {
      case 'add': {
        const n = ++id;
        const fn = () => {
          calls.push(n);
          if (o.fails) throw new Error(`listener ${n} fails`);
        };
        const got = o.once ? signal.addOnce(fn, o.key) : signal.addListener(fn, o.key);
        assert.equal(got, model.add(o, n), `add ${JSON.stringify(o)}`);
        break;
      }
      case 'remove':
        assert.equal(signal.removeListener(o.key), model.remove(o.key), `remove ${o.key}`);
        break;
      case 'reset':
        signal.reset();
        model.reset();
        break;
      case 'emit':
      case 'tryEmit': {
        calls = [];
        const want = model.emit(o.kind === 'tryEmit');
        let failed = false;
        if (o.kind === 'emit') emitFor(signal);
        else await signal.tryEmit(0).catch(() => (failed = true));
        assert.deepEqual(calls, want.called, `${o.kind}: listeners called`);
        if (o.kind === 'tryEmit') assert.equal(failed, want.failed, 'tryEmit failed');
        break;
      }
    }
    assert.equal(signal.size, model.entries.length, 'size');
    assert.deepEqual(signal.keys(), model.entries.filter((e) => e.key !== undefined).map((e) => e.key), 'keys');
  }
}

test('a JavaScript sync Signal behaves as the model', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
      const signal = new Signal({ onError: () => {} });
      await checkAgainstModel(signal, (s) => s.emit(0), ops);
    }),
    { numRuns: RUNS },
  );
});

test('a Go-exported sync signal with JavaScript listeners behaves as the model', async () => {
  const total = es.signal('go.total');
  const quiet = console.error;
  console.error = () => {}; // emit reports the failing listeners' panics
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        total.reset();
        try {
          await checkAgainstModel(total, (s) => s.emit(0), ops);
        } finally {
          total.reset();
        }
      }),
      { numRuns: RUNS },
    );
  } finally {
    console.error = quiet;
  }
});
