// Hostile input from JavaScript, one row each: what is done, the clear
// error (or result) expected, and a check after every row that the Go
// runtime and the signals still work. Then 100,000 add/remove cycles that
// must leave Go's live JavaScript values and the JavaScript heap flat, and
// 1,000 rejected calls that must leave them as they were.
// docs/reliability.md lists the rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import { load } from '../src/index.js';

const es = await load(new URL('./testmodule.wasm', import.meta.url));
const strict = es.signal('go.strict'); // Go, takes int, fails on < 0, panics on 13
const sum = es.signal('go.sum'); // Go, float64, adds up; emits the total on go.total
const echo = es.signal('go.echo'); // Go, any: hands the payload on to go.echoed
const texts = es.createSignal({ name: 'texts' }); // JavaScript, with a Go string listener
const plain = es.createSignal({ name: 'plain' }); // JavaScript only
// Go listeners that wait, as ordinary Go code does (see the test module's
// waiting()): JavaScript must await them.
const sleepyFailures = [];
const sleepy = es.createSignal({ name: 'sleepy', onError: (error, info) => sleepyFailures.push({ error, info }) });
const stuck = es.createSignal({ name: 'stuck' });
const locked = es.createSignal({ name: 'locked' });
const slow = es.signal('go.slow');
const slowAsync = es.signal('go.slowAsync');

/** What go.echoed receives for payload, after a round trip through Go. */
async function roundTrip(payload) {
  let got;
  const key = 'test:echo';
  es.signal('go.echoed').addListener((v) => (got = v), key);
  try {
    await echo.tryEmit(payload);
  } finally {
    es.signal('go.echoed').removeListener(key);
  }
  return got;
}

/** Collects what Go reports on go.cancelled (the contexts it saw end) while action runs. */
async function cancelledDuring(action) {
  const seen = [];
  es.signal('go.cancelled').addListener((ms) => seen.push(ms), 'test:cancelled');
  try {
    await action();
    // The Go listener sees its context end once Go runs again.
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    es.signal('go.cancelled').removeListener('test:cancelled');
  }
  return seen;
}

/** Makes n calls into Go, all of which must succeed. */
async function serves(n) {
  for (let i = 0; i < n; i++) {
    await (i % 2 ? strict.tryEmit(1) : texts.tryEmit('ok'));
  }
}

async function healthy() {
  await strict.tryEmit(1);
  await texts.tryEmit('still here');
  assert.deepEqual(await roundTrip({ a: [1, 'b', null] }), { a: [1, 'b', null] });
  let called = 0;
  plain.addListener(() => called++, 'health');
  await plain.tryEmit(0);
  plain.removeListener('health');
  assert.equal(called, 1);
}

const deep = (n, wrap) => {
  let v = 0;
  for (let i = 0; i < n; i++) v = wrap(v);
  return v;
};
const cyclic = {};
cyclic.self = cyclic;
const never = () => new Promise(() => {});

// [name, action, expected]: expected is an error matcher for assert.rejects,
// or a function that checks what action resolved with.
const rows = [
  ['undefined into a Go int listener', () => strict.tryEmit(undefined), { name: 'TypeError', message: /payload holds undefined/ }],
  ['null into a Go int listener', () => strict.tryEmit(null), { name: 'TypeError', message: /payload is null, the listener takes int/ }],
  ['a Symbol', () => strict.tryEmit(Symbol('s')), { name: 'TypeError', message: /payload holds a symbol/ }],
  ['a BigInt', () => strict.tryEmit(10n), { name: 'TypeError', message: /payload holds a bigint/ }],
  ['NaN', () => strict.tryEmit(NaN), { name: 'TypeError', message: /payload is NaN, the listener takes int/ }],
  ['Infinity', () => strict.tryEmit(-Infinity), { name: 'TypeError', message: /payload is an infinite number/ }],
  ['2^60, beyond exact integers', () => strict.tryEmit(2 ** 60), { name: 'TypeError', message: /beyond ±2\^53/ }],
  ['a numeric string', () => strict.tryEmit('3'), { name: 'TypeError', message: /payload is a string, the listener takes int/ }],
  ['a cyclic object', () => echo.tryEmit(cyclic), { name: 'TypeError', message: /deeper than 1000 levels, or is cyclic/ }],
  ['a getter that throws', () => echo.tryEmit({ get x() { throw new RangeError('getter boom'); } }), { name: 'RangeError', message: 'getter boom' }],
  ['a Proxy whose ownKeys trap throws', () => echo.tryEmit(new Proxy({}, { ownKeys() { throw new Error('trap boom'); } })), { message: 'trap boom' }],
  ['a Proxy over a plain object', () => roundTrip(new Proxy({ a: 1 }, {})), (got) => assert.deepEqual(got, { a: 1 })],
  ['10,000-deep arrays', () => echo.tryEmit(deep(10_000, (v) => [v])), { name: 'TypeError', message: /deeper than 1000/ }],
  ['10,000-deep objects', () => echo.tryEmit(deep(10_000, (v) => ({ v }))), { name: 'TypeError', message: /deeper than 1000/ }],
  ['a Date', () => echo.tryEmit(new Date()), { name: 'TypeError', message: /payload holds a Date object/ }],
  ['a Map', () => echo.tryEmit(new Map([[1, 2]])), { name: 'TypeError', message: /payload holds a Map object/ }],
  ['a class instance', () => echo.tryEmit(new (class Order {})()), { name: 'TypeError', message: /payload holds an Order object/ }],
  ['a function', () => echo.tryEmit(() => {}), { name: 'TypeError', message: /payload holds a function/ }],
  ['a sparse array', () => echo.tryEmit([1, , 3]), { name: 'TypeError', message: /payload holds undefined/ }],
  ['an Int16Array', () => echo.tryEmit(new Int16Array(4)), { name: 'TypeError', message: /payload holds an Int16Array object/ }],
  ['a "__proto__" key', () => roundTrip(JSON.parse('{"__proto__": {"x": 1}}')), (got) => {
    assert.deepEqual(Object.getOwnPropertyNames(got), ['__proto__']);
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
  }],
  ['symbol keys are not data', () => roundTrip({ [Symbol('k')]: 1, k: 2 }), (got) => assert.deepEqual(got, { k: 2 })],
  ['a lone surrogate', () => roundTrip('\ud800x'), (got) => assert.equal(got, '\ufffdx')],
  ['a 10 MB string', () => roundTrip('é'.repeat(5 << 20)), (got) => assert.equal(got, 'é'.repeat(5 << 20))],
  ['10 MB of bytes', () => roundTrip(new Uint8Array(10 << 20).fill(7)), (got) => {
    assert.ok(got instanceof Uint8Array);
    assert.equal(got.length, 10 << 20);
    assert.equal(got[got.length - 1], 7);
  }],
  ['a number into a Go string listener', () => texts.tryEmit(5), { name: 'TypeError', message: /payload is a number, the listener takes string/ }],
  ['an object that a Go Unmarshaler refuses', () => es.createSignal({ name: 'points' }).tryEmit({ x: 'a' }), {
    name: 'TypeError', message: 'jsbridge: payload is an object, the listener takes main.point: a point needs numbers x and y',
  }],
  ['a string for a Go Unmarshaler', () => es.signal('points').tryEmit('1,2'), {
    name: 'TypeError', message: 'jsbridge: payload is a string, the listener takes main.point: a point needs numbers x and y',
  }],
  ['an object that a Go Unmarshaler takes', () => es.signal('points').tryEmit({ x: 1, y: 2 }), () => {}],
  ['1e40 for a Go float32 listener', () => es.createSignal({ name: 'ratios' }).tryEmit(1e40), {
    name: 'TypeError', message: "jsbridge: payload is a number beyond float32's range (±3.4e38), the listener takes float32",
  }],
  ['fractions for a Go float32 listener', async () => {
    await es.signal('ratios').tryEmit(1.25);
    await assert.rejects(es.signal('ratios').tryEmit(0.1), { name: 'GoError', message: 'not a quarter: 0.1' });
  }, () => {}],
  ['a non-function listener', () => plain.addListener('nope'), { name: 'TypeError', message: /listener must be a function, got string/ }],
  ['a non-function listener of a Go signal', () => strict.addListener(null), { name: 'TypeError', message: /listener must be a function/ }],
  ['a number as key', () => plain.addListener(() => {}, 42), { name: 'TypeError', message: /key must be a string, got number/ }],
  ['an object as key of a Go signal', () => strict.addListener(() => {}, {}), { name: 'TypeError', message: /key must be a string, got object/ }],
  ['removeListener with a number', () => strict.removeListener(7), { name: 'TypeError', message: /key must be a string/ }],
  ['removeListener without a key on a Go signal', () => strict.removeListener(), { name: 'TypeError', message: /key must be a string, got undefined/ }],
  ['hasKey with a number on a Go signal', () => strict.hasKey(3), { name: 'TypeError', message: /key must be a string, got number/ }],
  ['an unknown signal name', () => es.signal('nope'), { name: 'TypeError', message: /no signal named "nope"/ }],
  ['emit on an unknown name', () => es.emit('nope', 1), { name: 'TypeError', message: /no signal named "nope"/ }],
  ['tryEmit on an unknown name', () => es.tryEmit('nope', 1), { name: 'TypeError', message: /no signal named "nope"/ }],
  ['a non-string signal name', () => es.createSignal({ name: 5 }), { name: 'TypeError', message: /name must be a string/ }],
  ['a name taken by a Go signal', () => es.createSignal({ name: 'go.sum' }), { name: 'TypeError', message: /exists already/ }],
  ['a string timeout', () => strict.tryEmit(1, { timeout: '5' }), { name: 'TypeError', message: /timeout must be a number/ }],
  ['a negative timeout', () => plain.tryEmit(1, { timeout: -1 }), { name: 'TypeError', message: /timeout must be a number/ }],
  ['a signal option that is no AbortSignal', () => strict.tryEmit(1, { signal: {} }), { name: 'TypeError', message: /signal must be an AbortSignal/ }],
  ['tryEmit with an AbortSignal already aborted, Go signal', async () => {
    let total;
    es.signal('go.total').addListener((t) => (total = t), 'abort-check');
    try {
      await assert.rejects(sum.tryEmit(1, { signal: AbortSignal.abort(new Error('gave up')) }), { message: 'gave up' });
      assert.equal(total, undefined, 'the Go listener ran');
    } finally {
      es.signal('go.total').removeListener('abort-check');
    }
  }, () => {}],
  ['tryEmit with an AbortSignal already aborted, JavaScript signal', () => {
    plain.addListener(() => assert.fail('called'), 'x');
    return plain.tryEmit(1, { signal: AbortSignal.abort('stop') }).finally(() => plain.removeListener('x'));
  }, (error) => error === 'stop'],
  ['a listener that never settles, with a timeout', () => {
    plain.addListener(never, 'never');
    return plain.tryEmit(1, { timeout: 20 }).finally(() => plain.removeListener('never'));
  }, { name: 'TimeoutError' }],
  ['a JavaScript listener of a Go signal that never settles, with a timeout', () => {
    sum.addListener(never, 'never');
    return sum.tryEmit(1, { timeout: 20 }).finally(() => sum.removeListener('never'));
  }, { name: 'TimeoutError' }],
  ['a JavaScript listener of a Go signal that rejects', () => {
    sum.addListener(async () => { throw new SyntaxError('late'); }, 'rejects');
    return sum.tryEmit(1).finally(() => sum.removeListener('rejects'));
  }, { name: 'SyntaxError', message: 'late' }],
  ['reset() from a listener during emit', () => {
    const seen = [];
    plain.addListener(() => { seen.push('a'); plain.reset(); }, 'a');
    plain.addListener(() => seen.push('b'), 'b');
    plain.emit(1); // the emit's snapshot still holds b
    plain.emit(2);
    return seen;
  }, (seen) => assert.deepEqual(seen, ['a', 'b'])],
  ['reset() from a listener of a Go signal during tryEmit', async () => {
    const total = es.signal('go.total');
    const seen = [];
    total.addListener(() => { seen.push('a'); total.reset(); }, 'a');
    total.addListener(() => seen.push('b'), 'b');
    await sum.tryEmit(1);
    await sum.tryEmit(1);
    assert.equal(total.size, 0);
    return seen;
  }, (seen) => assert.deepEqual(seen, ['a', 'b'])],
  ['removeListener of itself during tryEmit', async () => {
    let calls = 0;
    plain.addListener(() => { calls++; plain.removeListener('self'); }, 'self');
    await plain.tryEmit(1);
    await plain.tryEmit(2);
    return calls;
  }, (calls) => assert.equal(calls, 1)],
  ['a Go panic during emit', () => es.emit('go.strict', 13), () => {}],
  ['5,000 concurrent tryEmits on a JavaScript async signal', async () => {
    const signal = es.createSignal({ async: true });
    let calls = 0;
    signal.addListener(async () => { await null; calls++; });
    await Promise.all(Array.from({ length: 5000 }, (_, i) => signal.tryEmit(i, { timeout: 10_000 })));
    return calls;
  }, (calls) => assert.equal(calls, 5000)],
  ['5,000 concurrent tryEmits into Go, one in ten failing', async () => {
    const results = await Promise.allSettled(Array.from({ length: 5000 }, (_, i) => texts.tryEmit(i % 10 ? 'ok' : 'fail')));
    return results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
  }, (failures) => assert.deepEqual(failures, Array(500).fill('told to fail'))],
  ['5,000 concurrent tryEmits sharing one AbortSignal', async () => {
    const controller = new AbortController();
    const warnings = [];
    const onWarning = (w) => warnings.push(w.name);
    process.on('warning', onWarning);
    plain.addListener(async () => {}, 'shared');
    try {
      const pending = Array.from({ length: 5000 }, () => plain.tryEmit(1, { signal: controller.signal }));
      const listening = getEventListeners(controller.signal, 'abort').length;
      await Promise.all(pending);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
      return { listening, left: getEventListeners(controller.signal, 'abort').length, warnings };
    } finally {
      plain.removeListener('shared');
      process.off('warning', onWarning);
    }
  }, (got) => assert.deepEqual(got, { listening: 1, left: 0, warnings: [] })],
  ['a Go listener that waits 30 ms, then fails', async () => {
    let after = 0;
    sleepy.addListener(() => after++, 'js:after');
    try {
      await assert.rejects(sleepy.tryEmit(-30), { name: 'GoError', message: 'waited 30 ms, then failed', key: 'go:sleepy' });
      assert.equal(after, 0, 'the JavaScript listener after the failed Go listener ran');
      await sleepy.tryEmit(20);
      assert.equal(after, 1, 'the JavaScript listener after the Go listener did not run once it was done');
    } finally {
      sleepy.removeListener('js:after');
    }
  }, () => {}],
  ['a Go listener that waits until its context ends, with {timeout: 300}', async () => {
    const seen = await cancelledDuring(() => assert.rejects(sleepy.tryEmit(Infinity, { timeout: 300 }), { name: 'TimeoutError' }));
    assert.deepEqual(seen, [Infinity], 'the Go listener did not see its context cancelled');
    await serves(1000);
  }, () => {}],
  ['a Go listener that never returns, with {timeout: 300}', async () => {
    await assert.rejects(stuck.tryEmit(null, { timeout: 300 }), { name: 'TimeoutError' });
    await serves(1000);
  }, () => {}],
  ['a Go listener waiting for a mutex that another goroutine holds', async () => {
    es.emit('go.hold', 30);
    await locked.tryEmit(1);
    es.emit('go.hold', 10);
    await assert.rejects(locked.tryEmit(-1), { name: 'GoError', message: 'locked, then failed', key: 'go:locked' });
  }, () => {}],
  ['a Go listener that waits for a JavaScript promise', () => es.createSignal({ name: 'promised' }).tryEmit('hi'),
    { name: 'GoError', message: 'the promise resolved to hi', key: 'go:promised' }],
  ['a Go listener that waits while another goroutine calls JavaScript, which calls Go back', async () => {
    const crossed = es.createSignal({ name: 'crossed' });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(crossed.tryEmit(null), { name: 'GoError', message: 'crossed', key: 'go:crossed' });
    }
  }, () => {}],
  ['emit to a Go listener that waits, then fails: onError gets the failure', async () => {
    sleepyFailures.length = 0;
    sleepy.emit(-20); // returns at once
    for (let i = 0; i < 200 && sleepyFailures.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(sleepyFailures.length, 1, 'onError did not get the failure');
    const [{ error, info }] = sleepyFailures;
    assert.equal(error.name, 'GoError');
    assert.equal(error.message, 'waited 20 ms, then failed');
    assert.deepEqual(info, { key: 'go:sleepy', name: 'sleepy' });
  }, () => {}],
  ['a Go signal whose Go listener waits, then fails', async () => {
    let after = 0;
    slow.addListener(() => after++, 'js:after');
    try {
      await assert.rejects(slow.tryEmit(-30), { name: 'GoError', message: 'waited 30 ms, then failed', key: 'go:wait' });
      assert.equal(after, 0, 'the JavaScript listener after the failed Go listener ran');
      await slow.tryEmit(20);
      assert.equal(after, 1);
      slow.emit(10); // waits too, and its JavaScript listener runs once the Go one is done
      for (let i = 0; i < 200 && after < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(after, 2);
    } finally {
      slow.removeListener('js:after');
    }
    // A JavaScript listener that Go calls after the wait belongs to the same
    // tryEmit: it gets its AbortSignal, and the tryEmit awaits its promise.
    const late = new SyntaxError('late');
    let signal;
    slow.addListener(async (_, context) => {
      signal = context.signal;
      throw late;
    }, 'js:rejects');
    try {
      await assert.rejects(slow.tryEmit(20), (error) => error === late);
      const controller = new AbortController();
      await assert.rejects(slow.tryEmit(20, { signal: controller.signal }), (error) => error === late);
      assert.equal(signal, controller.signal);
    } finally {
      slow.removeListener('js:rejects');
    }
  }, () => {}],
  ['a Go signal whose Go listener waits until its context ends, with {timeout: 300}', async () => {
    const seen = await cancelledDuring(() => assert.rejects(slow.tryEmit(Infinity, { timeout: 300 }), { name: 'TimeoutError' }));
    assert.deepEqual(seen, [Infinity]);
    await serves(1000);
  }, () => {}],
  ['an async Go signal whose Go listener waits, then fails', async () => {
    await assert.rejects(slowAsync.tryEmit(-30), (error) => {
      assert.ok(error instanceof AggregateError, 'an async signal reports all its failures');
      assert.equal(error.errors.length, 1);
      assert.equal(error.errors[0].message, 'waited 30 ms, then failed');
      assert.equal(error.errors[0].key, 'go:wait');
      return true;
    });
    await slowAsync.tryEmit(10);
  }, () => {}],
  ['a JavaScript listener of a Go signal that awaits a Go listener that waits', async () => {
    let inner;
    es.signal('go.total').addListener(() => {
      inner = sleepy.tryEmit(-10); // not returned: go.sum's tryEmit does not wait for it
    }, 'js:nested');
    try {
      await sum.tryEmit(0);
    } finally {
      es.signal('go.total').removeListener('js:nested');
    }
    await assert.rejects(inner, { name: 'GoError', message: 'waited 10 ms, then failed', key: 'go:sleepy' });
  }, () => {}],
  ['Go still runs after the waits, over several resumes', async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await healthy();
    }
  }, () => {}],
];

test(`the table has at least 30 rows (${rows.length})`, () => assert.ok(rows.length >= 30));

for (const [name, action, expected] of rows) {
  test(name, async () => {
    if (typeof expected === 'function') {
      let result;
      try {
        result = await action();
      } catch (error) {
        assert.ok(expected(error), `unexpected error: ${error}`);
        return healthy();
      }
      expected(result);
    } else {
      await assert.rejects(async () => action(), expected);
    }
    await healthy();
  });
}

test('100,000 add/remove cycles leave Go holding no more JavaScript values, and the heap flat', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const go = sum.host.go;
  const macrotask = () => new Promise((resolve) => setTimeout(resolve, 1));
  // A full Go collection, then a macrotask, in which Go runs the finalizers
  // that release the values it no longer holds; then the same for V8.
  const settle = async () => {
    for (let i = 0; i < 2; i++) {
      await es.signal('go.gc').tryEmit(null);
      await macrotask();
    }
    gc();
    return { handles: go._ids.size, heap: process.memoryUsage().heapUsed };
  };
  const total = es.signal('go.total');
  const cycle = async (signal) => {
    for (let i = 0; i < 100_000; i++) {
      signal.addListener(() => {}, 'cycle');
      signal.removeListener('cycle');
      if (i % 10_000 === 0) await macrotask();
    }
  };
  await cycle(total); // warms up both heaps
  const before = await settle();
  await cycle(total);
  await cycle(plain);
  const after = await settle();
  assert.equal(after.handles, before.handles, 'JavaScript values still held by Go');
  assert.ok(after.heap - before.heap < 2 << 20, `the JavaScript heap grew by ${(after.heap - before.heap) >> 10} KB`);
  await healthy();
});

test('rejected calls leave Go holding no more JavaScript values, even before its finalizers run', async () => {
  const go = sum.host.go;
  // The references Go holds to JavaScript values (the predefined ones count as Infinity).
  const held = () => go._goRefCounts.reduce((total, count) => (Number.isFinite(count) ? total + count : total), 0);
  const before = held();
  // Only microtasks run between these awaits: Go is not resumed, so a value
  // that Go made for an error would still be counted.
  for (let i = 0; i < 1000; i++) {
    await assert.rejects(texts.tryEmit('fail'), { name: 'GoError', message: 'told to fail', key: 'go:texts' });
  }
  assert.equal(held(), before);
  await healthy();
});
