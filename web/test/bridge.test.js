// The bridge between JavaScript and Go, tested against a real Go program
// (jsbridge/internal/testmodule) and the real edgesignals.wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, GoError, GoSignal } from '../src/index.js';

const es = await load(new URL('./testmodule.wasm', import.meta.url));

test('Go-exported signals are found by name', () => {
  assert.ok(es.signal('go.sum') instanceof GoSignal);
  assert.deepEqual(es.signal('go.sum').keys(), ['adder']);
  assert.equal(es.signal('go.strict').size, 2);
  assert.throws(() => es.signal('nope'), { name: 'TypeError', message: /no signal named "nope"/ });
});

test('emit on a Go signal runs its Go listeners, which reach JavaScript listeners', () => {
  const totals = [];
  const total = es.signal('go.total');
  total.addListener((sum, context) => {
    assert.ok(context.signal instanceof AbortSignal);
    totals.push(sum);
  }, 'js:record');
  es.emit('go.sum', 2);
  es.emit('go.sum', 3.5);
  assert.deepEqual(totals, [2, 5.5]);
  assert.equal(total.removeListener('js:record'), 0);
  es.emit('go.sum', 1);
  assert.deepEqual(totals, [2, 5.5], 'removed listeners are not called');
});

test('a Go listener error rejects tryEmit with its message and key', async () => {
  const strict = es.signal('go.strict');
  await strict.tryEmit(4);
  await assert.rejects(strict.tryEmit(-2), (err) => {
    assert.ok(err instanceof GoError);
    assert.equal(err.name, 'GoError');
    assert.equal(err.message, 'negative: -2');
    assert.equal(err.key, 'non-negative');
    return true;
  });
});

test('a Go panic rejects tryEmit and the runtime keeps working', async () => {
  const strict = es.signal('go.strict');
  await assert.rejects(strict.tryEmit(13), { name: 'PanicError', key: 'superstitious', message: /unlucky/ });
  await strict.tryEmit(1);
  es.emit('go.strict', 13); // Emit reports the panic instead (to stderr)
  await strict.tryEmit(2);
});

test('a payload that does not convert is a TypeError, and the next emit works', async () => {
  const strict = es.signal('go.strict');
  for (const bad of ['3', 1.5, null, [1], { n: 1 }, true, new Uint8Array(1)]) {
    await assert.rejects(strict.tryEmit(bad), { name: 'TypeError', message: /the listener takes int/ });
  }
  for (const bad of [undefined, 1n, Symbol('s'), () => {}, new Date(), new Map()]) {
    await assert.rejects(strict.tryEmit(bad), { name: 'TypeError', message: /payload holds/ });
  }
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => es.emit('go.async', cyclic), { name: 'TypeError', message: /cyclic/ });
  await strict.tryEmit(7);
});

test('a JavaScript listener of a Go signal that throws rejects tryEmit with its own error', async () => {
  const strict = es.signal('go.strict');
  const boom = new RangeError('from JavaScript');
  strict.addListener(() => { throw boom; }, 'js:thrower');
  await assert.rejects(strict.tryEmit(1), (err) => err === boom);
  assert.equal(strict.removeListener('js:thrower'), 2);
  await strict.tryEmit(1);
});

test('listener management on a Go signal', () => {
  const a = es.signal('go.async');
  const seen = [];
  assert.equal(a.addListener((p) => seen.push(p.n), 'one'), 1);
  assert.equal(a.addListener(() => {}, 'one'), -1, 'duplicate key');
  assert.equal(a.addOnce((p) => seen.push(-p.n)), 2);
  assert.deepEqual(a.keys(), ['one']);
  assert.ok(a.hasKey('one'));
  a.emit({ n: 1 });
  a.emit({ n: 2 });
  assert.deepEqual(seen.sort(), [-1, 1, 2].sort());
  assert.equal(a.size, 1);
  a.reset();
  assert.equal(a.size, 0);
  assert.throws(() => a.addListener('not a function'), { name: 'TypeError', message: /must be a function, got string/ });
  assert.throws(() => a.addListener(() => {}, 42), { name: 'TypeError', message: /key must be a string, got number/ });
  assert.equal(a.size, 0);
  // As on a Signal created in JavaScript: a key that is no string is a TypeError, not a missing key.
  assert.throws(() => a.removeListener(), { name: 'TypeError', message: 'removeListener: key must be a string, got undefined' });
  assert.throws(() => a.hasKey(3), { name: 'TypeError', message: 'hasKey: key must be a string, got number' });
  assert.throws(() => a.hasKey(), { name: 'TypeError', message: 'hasKey: key must be a string, got undefined' });
});

test('Go listeners join JavaScript signals of their name', async () => {
  const texts = es.createSignal({ name: 'texts' });
  assert.deepEqual(texts.keys(), ['go:texts']);
  await texts.tryEmit('hello');
  await assert.rejects(texts.tryEmit('fail'), { name: 'GoError', message: 'told to fail', key: 'go:texts' });
  await assert.rejects(texts.tryEmit(5), { name: 'TypeError', message: /payload is a number, the listener takes string/ });

  const bytes = es.createSignal({ name: 'bytes' });
  await bytes.tryEmit(new Uint8Array([1, 2, 3]));
  await assert.rejects(bytes.tryEmit(new Uint8Array()), { message: 'no bytes' });
  assert.throws(() => es.createSignal({ name: 'bytes' }), { name: 'TypeError', message: /exists already/ });
});

test('strings of every size and script cross intact', async () => {
  const seen = [];
  es.signal('go.total'); // warm
  const texts = es.signal('texts');
  texts.addListener((s) => seen.push(s), 'js:seen');
  for (const s of ['', 'é', '日本語', '🙂'.repeat(1000), 'x'.repeat(100_000)]) await texts.tryEmit(s);
  assert.equal(seen.length, 5);
  texts.removeListener('js:seen');
});

test('edgesignals.wasm validates orders with its Go listener', async () => {
  const shop = await load();
  const orders = shop.createSignal({ name: 'orders' });
  assert.deepEqual(orders.keys(), ['go:validate']);
  await orders.tryEmit({ item: 'tea', quantity: 2, email: 'ada@example.org' });
  await assert.rejects(orders.tryEmit({ item: 'tea', quantity: 0, email: 'ada@example.org' }), {
    name: 'GoError', key: 'go:validate', message: 'order: quantity must be a whole number from 1 to 10',
  });
});

test('a Go listener that waits is awaited in its place', async () => {
  const waits = es.createSignal({ name: 'waits' });
  const order = [];
  waits.addListener(() => order.push('js'), 'js:after');
  assert.deepEqual(waits.keys(), ['go:waits', 'js:after']);
  const start = performance.now();
  await waits.tryEmit(30);
  assert.ok(performance.now() - start >= 25, 'tryEmit did not wait for the Go listener');
  assert.deepEqual(order, ['js'], 'the JavaScript listener after it ran once it was done');
  await Promise.all(Array.from({ length: 200 }, (_, i) => waits.tryEmit(i % 3)));
});

test('a Go listener that waits fails, panics and refuses payloads as one that does not', async () => {
  const waits = es.signal('waits');
  await assert.rejects(waits.tryEmit(-5), { name: 'GoError', message: 'cannot wait -5 ms', key: 'go:waits' });
  await assert.rejects(waits.tryEmit(13), { name: 'PanicError', message: /unlucky wait/, key: 'go:waits' });
  await assert.rejects(waits.tryEmit('soon'), { name: 'TypeError', message: /payload is a string, the listener takes float64/ });
  await waits.tryEmit(1);
});

test("a timeout rejects tryEmit and cancels the waiting Go listener's context", async () => {
  const waits = es.signal('waits');
  const cancelled = [];
  es.signal('go.cancelled').addListener((ms) => cancelled.push(ms), 'js:record');
  try {
    await assert.rejects(waits.tryEmit(10_000, { timeout: 30 }), { name: 'TimeoutError' });
    const controller = new AbortController();
    const pending = waits.tryEmit(20_000, { signal: controller.signal });
    controller.abort(new Error('user left'));
    await assert.rejects(pending, { message: 'user left' });
    for (let i = 0; cancelled.length < 2 && i < 100; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(cancelled, [10_000, 20_000], 'the Go listener saw its context cancelled');
  } finally {
    es.signal('go.cancelled').removeListener('js:record');
  }
  await waits.tryEmit(1);
});

test('a Go program that ends rejects the calls it was running, and refuses the next ones', async () => {
  // The program ends while the call waits (10 ms), or during the call itself (0).
  for (const ms of [10, 0]) {
    const doomed = await load(new URL('./testmodule.wasm', import.meta.url)); // a Go instance of its own
    const fatal = doomed.createSignal({ name: 'fatal' });
    await assert.rejects(fatal.tryEmit(ms), { message: /the Go program of .*testmodule\.wasm has exited/ });
    assert.throws(() => doomed.emit('go.sum', 1), { message: /the Go program of .*testmodule\.wasm has exited/ });
    await assert.rejects(doomed.tryEmit('go.strict', 1), { message: /has exited/ });
    assert.throws(() => doomed.signal('go.sum').size, { message: /has exited/ });
  }
  await es.signal('go.strict').tryEmit(1); // the other instance lives on
});
