// Streamed responses of the example Worker in real workerd: a handler that
// flushes (http.Flusher) is read chunk by chunk while it still runs, and a
// client that goes away mid-stream ends the handler's context, after which
// its Go runtime serves the next request (it went back to the pool).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from './workerd.js';

const CONFIG = fileURLToPath(new URL('../example/build/config.capnp', import.meta.url));
let workerd;
let base;

before(async () => {
  workerd = await startWorkerd(CONFIG);
  base = workerd.urls.http;
});

after(async () => {
  await workerd.stop();
});

/** Reads lines from a fetch body as they come. */
async function* lines(body) {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of body) {
    rest += decoder.decode(chunk, { stream: true });
    let at;
    while ((at = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, at);
      rest = rest.slice(at + 1);
    }
  }
}

test('a flushing handler streams: its first lines arrive while it still runs', async () => {
  const abort = new AbortController();
  const response = await fetch(`${base}/debug/stream?id=order`, { signal: abort.signal });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-length'), null, 'a stream has no length');
  const got = [];
  for await (const line of lines(response.body)) {
    got.push(line);
    if (got.length === 6) break;
  }
  abort.abort();
  assert.match(got[0], /^runtime [0-9a-z]+$/);
  assert.deepEqual(got.slice(1), ['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5']);
});

test('a client gone mid-stream ends the handler\'s context, and its runtime serves the next request', async () => {
  for (let round = 0; round < 3; round++) {
    const id = `gone-${round}`;
    const abort = new AbortController();
    const response = await fetch(`${base}/debug/stream?id=${id}`, { signal: abort.signal });
    const reader = lines(response.body);
    const runtime = (await reader.next()).value.split(' ')[1];
    assert.equal((await reader.next()).value, 'tick 1');
    abort.abort(); // the client goes away
    // Only the runtime that streamed knows how the stream ended (each Go
    // runtime has its own memory): it tells once it serves a request again,
    // which it does only back in the pool. Eight requests at a time reach
    // every idle runtime (the pool hands out the last one freed first).
    let ended;
    const seen = new Set();
    for (let tries = 0; tries < 200 && !ended; tries++) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, async () => (await fetch(`${base}/debug/streams`)).json()),
      );
      for (const a of answers) seen.add(`${a.runtime}: ${a.ended.map((s) => s.id).join(' ')}`);
      const from = answers.find((a) => a.ended.some((s) => s.id === id));
      ended = from?.ended.find((s) => s.id === id);
      if (from) assert.equal(from.runtime, runtime);
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(ended, `the handler of ${id} (runtime ${runtime}) never saw its client go; runtimes seen: ${[...seen].join(', ')}`);
    assert.equal(ended.err, 'context canceled');
    assert.equal(ended.runtime, runtime);
  }
  assert.equal((await fetch(`${base}/health`)).status, 200);
});
