// The npm package in a Worker in real workerd, loaded from an imported
// WebAssembly.Module (package-worker.mjs): Go validates orders there too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from './workerd.js';

let workerd;

before(async () => {
  workerd = await startWorkerd(fileURLToPath(new URL('./package.capnp', import.meta.url)));
});

after(async () => {
  await workerd?.stop();
});

const order = (body) =>
  fetch(workerd.urls.http, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => [r.status, await r.json()]);

test('load(module) in a Worker: the Go listener validates orders, across requests', async () => {
  assert.deepEqual(await order({ item: 'tea', quantity: 2, email: 'ada@example.org' }), [200, { ok: true, keys: ['go:validate'] }]);
  assert.deepEqual(await order({ item: 'tea', quantity: 0, email: 'ada@example.org' }), [
    422,
    { name: 'GoError', message: 'order: quantity must be a whole number from 1 to 10', key: 'go:validate' },
  ]);
  assert.deepEqual(await order({ item: 'tea', quantity: 'two', email: 'x@y' }), [
    422,
    { name: 'GoError', message: 'order: quantity must be a whole number from 1 to 10', key: 'go:validate' },
  ]);
  for (let i = 0; i < 50; i++) {
    assert.equal((await order({ item: `item ${i}`, quantity: 1, email: 'ada@example.org' }))[0], 200);
  }
});
