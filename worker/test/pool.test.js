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

/**
 * Starts a pool with waitUntilTimeoutMs 500, has hang() start work that
 * never ends, and checks that its runtime is retired past the deadline: the
 * pool counts it no more, the next request gets a new runtime, and OnError
 * heard of it.
 */
async function assertRetired(name, hang) {
  const worker = await startPool(name, { waitUntilTimeoutMs: 500 });
  try {
    const before = await worker.json('/starts');
    await hang(worker);
    const stats = await until(worker, (s) => s.serving === 0);
    assert.deepEqual([stats.serving, stats.runtimes, stats.idle], [0, 0, 0], JSON.stringify(stats));
    const after = await worker.json('/starts');
    assert.equal(after.starts, before.starts + 1, 'the next request gets a new runtime');
    const errors = await worker.json('/errors');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /waitUntilTimeoutMs; its Go runtime was retired \(after 500ms\)$/);
  } finally {
    await worker.stop();
  }
}

// Before, the runtime served on and on, and its place was never freed.
test('a WaitUntil task that never returns: its runtime is retired past waitUntilTimeoutMs, and OnError hears of it', () =>
  assertRetired('hang', async (worker) => {
    assert.equal((await worker.get('/hang-later')).status, 200);
  }));

// Before, the runtime stayed taken for good: serving 1, and no other
// request could have it.
test("a Cron Trigger's WaitUntil task that never returns: its runtime is retired as a request's is", () =>
  assertRetired('hang-event', async (worker) => {
    const ran = await fetch(worker.base + '/scheduled?cron=hang-later', { method: 'POST', signal: AbortSignal.timeout(20_000) });
    assert.deepEqual([ran.status, await ran.text()], [200, 'ran']);
  }));

test('idle runtimes beyond what the last idleMs needed are released without traffic', async () => {
  const worker = await startPool('idle', { idleMs: 500 });
  try {
    const answers = await Promise.all(Array.from({ length: 4 }, () => worker.get('/sleep?ms=200')));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200]);
    assert.equal(new Set(answers.map((a) => a.runtime)).size, 4, 'four runtimes served at once');
    // GET /pool goes through no runtime: no request ends meanwhile.
    const stats = await until(worker, (s) => s.runtimes === 1);
    assert.deepEqual([stats.runtimes, stats.idle, stats.serving], [1, 1, 0], JSON.stringify(stats));
    const next = await worker.get('/starts');
    assert.ok(answers.some((a) => a.runtime === next.runtime), 'the one kept serves on');
  } finally {
    await worker.stop();
  }
});

test('a Go timer that falls due while Go handles a JavaScript callback does not cost the runtime', async () => {
  const worker = await startPool('timer-race', {});
  try {
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await worker.get('/timer-race?ms=30'));
    assert.deepEqual(answers.map((a) => a.status), Array(10).fill(200));
    // Its WaitUntil task's sleep ended; Go's wake-up for it was left
    // pending, and the pool dropped the runtime for it (before: ten
    // runtimes for ten requests, a Go start each).
    const stats = await until(worker, (s) => s.serving === 0);
    assert.equal(new Set(answers.map((a) => a.runtime)).size, 1, `runtimes: ${answers.map((a) => a.runtime)}`);
    assert.deepEqual([stats.runtimes, stats.idle], [1, 1], JSON.stringify(stats));
    // A timer really pending at the end of a request still costs its
    // runtime: its wake-up would run in the next request's context.
    const left = await worker.get('/leave-timer?ms=2000');
    assert.equal(left.runtime, answers[0].runtime);
    assert.notEqual((await worker.get('/starts')).runtime, left.runtime);
  } finally {
    await worker.stop();
  }
});
