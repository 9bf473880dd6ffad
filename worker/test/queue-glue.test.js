// The glue's queue handler (worker/js/worker.mjs, as edgeworker copies it
// into the example's build) in Node, on the example's Go program: what
// crosses into Go's memory for a batch, whatever the size of that memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { goQueue } from '../example/build/worker.mjs'; // written by make worker

const module = new WebAssembly.Module(readFileSync(new URL('../example/build/app.wasm', import.meta.url)));
const ctx = { waitUntil() {}, passThroughOnException() {} };

/** A batch as Cloudflare hands it over, and what became of each message. */
function batchOf(bodies) {
  const settled = { acked: [], retried: [] };
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    attempts: 1,
    body,
    ack: () => settled.acked.push(i),
    retry: () => settled.retried.push(i),
  }));
  return { batch: { queue: 'orders', messages, ackAll() {}, retryAll() {} }, settled };
}

test("a batch that needs more memory than Go has is handed over whole: Go's memory grows under the glue", async () => {
  const handler = goQueue(module);
  const small = batchOf([{ orderId: 0 }]);
  await handler(small.batch, {}, ctx);
  assert.deepEqual(small.settled, { acked: [0], retried: [] });
  // 16 MB of text takes a buffer of up to 48 MB (3 bytes a UTF-16 unit):
  // Go grows its linear memory, which detaches the old ArrayBuffer.
  const large = batchOf(['x'.repeat(16 << 20), { orderId: 0 }]);
  await handler(large.batch, {}, ctx);
  assert.deepEqual(large.settled, { acked: [0, 1], retried: [] }, 'the example acknowledges bodies that are not orders');
});
