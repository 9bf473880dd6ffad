// The pool of Go runtimes (worker/js/worker.mjs) in real workerd, counted
// from outside: pool-entry.mjs answers GET /pool with the pool's own
// stats() without going through the pool, the Go program (the
// hostile-handler Worker's) names the runtime that answers (X-Runtime) and
// counts the runtimes its isolate started (GET /starts), and says what
// its OnError heard (GET /errors, from the runtime that answers).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startWorkerd, withGoPool } from './workerd.js';

const HOSTILE = fileURLToPath(new URL('./build/hostile/config.capnp', import.meta.url));

/** Starts the pool's Worker with GO_POOL set to pool. */
async function startPool(name, pool) {
  const entry = HOSTILE.replace(/[^/]*$/, `pool-entry-${name}.capnp`);
  writeFileSync(entry, readFileSync(HOSTILE, 'utf8').replace('embed "entry.mjs"', 'embed "../../pool-entry.mjs"'));
  const config = withGoPool(entry, `pool-${name}`, pool);
  rmSync(entry);
  const workerd = await startWorkerd(config, ['http'], { path: '/pool' });
  rmSync(config);
  const base = workerd.urls.http;
  const get = async (path) => {
    const response = await fetch(base + path, { signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    return { status: response.status, runtime: response.headers.get('x-runtime'), text };
  };
  const json = async (path) => {
    const { status, text } = await get(path);
    assert.equal(status, 200, `${path}: ${text}`);
    return JSON.parse(text);
  };
  return { base, get, json, stop: () => workerd.stop() };
}

/** Asks for pool stats until check(stats) holds, for at most 20 s; resolves with the last stats. */
async function until(worker, check) {
  const deadline = performance.now() + 20_000;
  let stats;
  while (!check((stats = await worker.json('/pool'))) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return stats;
}

/**
 * Starts a POST of path whose body (length bytes) is sent in two halves:
 * the first now, the second when the returned send() is called; answer
 * resolves with the status and body.
 */
function slowUpload(base, path, length) {
  let send;
  const answer = new Promise((resolve, reject) => {
    const request = httpRequest(base + path, { method: 'POST', headers: { 'content-length': length } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    request.on('error', reject);
    const half = Math.floor(length / 2);
    request.write('x'.repeat(half));
    send = () => request.end('x'.repeat(length - half));
  });
  return { answer, send: () => send() };
}

describe('a budget of one runtime', () => {
  let worker;
  before(async () => {
    worker = await startPool('one', { memoryMB: 1, queue: 4, queueTimeoutMs: 3000 });
  });
  after(() => worker.stop());

  test('a slow upload does not hold a runtime: its body is read before it takes one', async () => {
    assert.equal((await worker.get('/starts')).status, 200);
    const upload = slowUpload(worker.base, '/body', 10);
    // While the upload's second half is still to come, the one runtime
    // serves others (before: they waited for it, then got 503).
    for (let i = 0; i < 3; i++) assert.equal((await worker.get('/starts')).status, 200, 'a request behind a slow upload');
    upload.send();
    assert.deepEqual(await upload.answer, { status: 200, text: '{"bytes":10}\n' });
    assert.equal((await worker.json('/pool')).runtimes, 1);
  });
});
