// The memory budget of the Go runtimes (GO_POOL, see worker/js/worker.mjs)
// in real workerd: bursts of slow and mixed requests stay within it, every
// request gets its answer or 503 with Retry-After, none hangs, the Go
// program hears of the refused ones, and the Worker serves normally after.
// Local workerd enforces no memory limit per isolate: these tests do.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { goPool, rssMB, sampling, startWorkerd, withGoPool } from './workerd.js';

const CONFIG = fileURLToPath(new URL('../example/build/config.capnp', import.meta.url));

/** Starts the example with GO_POOL set to pool (undefined: as built). */
async function startExample(name, pool) {
  const config = pool === undefined ? CONFIG : withGoPool(CONFIG, `test-${name}`, pool);
  const workerd = await startWorkerd(config);
  if (pool !== undefined) rmSync(config);
  const base = workerd.urls.http;
  return {
    base,
    rss: () => rssMB(workerd.child.pid),
    stop: () => workerd.stop(),
  };
}

let clients = 0;
/**
 * Requests path and resolves with its status, or 'hung' when no answer
 * came within 20 s. A 503 must carry Retry-After.
 */
async function status(base, path, { method = 'GET', body } = {}) {
  const headers = { authorization: 'Bearer dev-token', 'x-client-id': `budget-${++clients}` };
  try {
    const response = await fetch(base + path, { method, body, headers, signal: AbortSignal.timeout(20_000) });
    await response.arrayBuffer();
    if (response.status === 503) assert.match(response.headers.get('retry-after') ?? '', /^\d+$/, '503 without Retry-After');
    return response.status;
  } catch (error) {
    if (error.name === 'TimeoutError') return 'hung';
    throw error;
  }
}

/** Runs n requests made by request(i), at most concurrency at once; resolves with their results. */
async function load(n, concurrency, request) {
  const results = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await request(i);
      }
    }),
  );
  return results;
}

/** Asserts that the Worker serves one request after another, all 200. */
async function servesNormally(base, what) {
  for (let i = 0; i < 20; i++) assert.equal(await status(base, '/health'), 200, `GET /health after ${what}`);
}

const count = (statuses) => statuses.reduce((c, s) => ({ ...c, [s]: (c[s] ?? 0) + 1 }), {});

const ORDER = JSON.stringify({ item: 'tea', quantity: 1, email: 'ada@example.com' });
// Requests of every kind: [path, init, expected status], a crashed Go
// runtime among them: the budget counts a runtime the pool let go until
// V8 has collected its memory.
const MIXED = [
  ['/health', {}, 200],
  ['/api/orders', { method: 'POST', body: ORDER }, 201],
  ['/api/stats', {}, 200],
  ['/nope', {}, 404],
  ['/debug/panic', {}, 500],
  ['/debug/slow', {}, 504],
  ['/debug/fail-later', {}, 200],
  ['/debug/crash', {}, 500],
];

describe('the default budget', () => {
  let example;
  let idleMB;
  let budgetMB;
  before(async () => {
    example = await startExample('default');
    // The idle figure: after every route ran enough for V8 to compile it.
    await load(1000, 1, (i) => status(example.base, ...MIXED[i % MIXED.length]));
    idleMB = example.rss();
    budgetMB = goPool(CONFIG).memoryMB;
  });
  after(() => example.stop());

  test('200 concurrent slow requests: 504 or 503, within the budget, then normal service', async () => {
    const { result, peak } = await sampling(example.rss, Promise.all(Array.from({ length: 200 }, () => status(example.base, '/debug/slow'))));
    const counts = count(result);
    assert.deepEqual(Object.keys(counts).sort(), ['503', '504'], JSON.stringify(counts));
    console.log(`200 slow: ${JSON.stringify(counts)}; workerd ${idleMB.toFixed(0)} MB idle, ${peak.toFixed(0)} MB at most`);
    assert.ok(peak < idleMB + budgetMB, `workerd grew from ${idleMB} MB to ${peak} MB, over the ${budgetMB} MB budget`);
    await servesNormally(example.base, 'the slow burst');
  });

  test('2,000 mixed requests at 64 concurrent: expected statuses or 503, within the budget', async () => {
    const { result, peak } = await sampling(
      example.rss,
      load(2000, 64, async (i) => {
        const [path, init, expected] = MIXED[i % MIXED.length];
        const got = await status(example.base, path, init);
        return got === expected || got === 503 ? got : `${path}: ${got}`;
      }),
    );
    const counts = count(result);
    assert.deepEqual(Object.keys(counts).filter((s) => !/^\d+$/.test(s)), [], JSON.stringify(counts));
    console.log(`2,000 mixed: ${JSON.stringify(counts)}; workerd ${peak.toFixed(0)} MB at most`);
    assert.ok(peak < idleMB + budgetMB, `workerd grew from ${idleMB} MB to ${peak} MB, over the ${budgetMB} MB budget`);
    await servesNormally(example.base, 'the mixed burst');
  });
});

describe('a budget of one runtime', () => {
  let example;
  before(async () => {
    example = await startExample('one', { memoryMB: 1, queue: 4, queueTimeoutMs: 10_000 });
  });
  after(() => example.stop());

  const stats = async () =>
    (await fetch(example.base + '/api/stats', { headers: { authorization: 'Bearer dev-token' } })).json();

  test('a full queue answers 503 at once, and Go hears of every refused request', async () => {
    const before = (await stats()).byStatus['503'] ?? 0;
    const counts = count(await Promise.all(Array.from({ length: 12 }, () => status(example.base, '/debug/slow'))));
    // One serves and four wait, 500 ms each: the others find the queue full.
    assert.ok(counts[503] >= 1 && counts[503] + counts[504] === 12, JSON.stringify(counts));
    // The next request tells the one runtime, whose Done listeners count them.
    assert.equal((await stats()).byStatus['503'] - before, counts[503]);
  });

  test('a crash and a deadline inside a queued burst free the runtime for the requests behind them', async () => {
    const paths = ['/debug/crash', '/health', '/debug/slow', '/health', '/debug/crash'];
    assert.deepEqual(await Promise.all(paths.map((path) => status(example.base, path))), [500, 200, 504, 200, 500]);
    await servesNormally(example.base, 'the crashes');
  });
});

test('a request that waits past queueTimeoutMs gets 503 with Retry-After', async () => {
  const example = await startExample('expiry', { memoryMB: 1, queue: 8, queueTimeoutMs: 1000 });
  try {
    // Slow requests hold the one runtime 500 ms each: the fourth in line
    // waits at least 1.5 s.
    const statuses = await Promise.all(Array.from({ length: 6 }, () => status(example.base, '/debug/slow')));
    assert.ok(statuses.includes(503) && statuses.includes(504), JSON.stringify(statuses));
    await servesNormally(example.base, 'the expired waits');
  } finally {
    await example.stop();
  }
});

test('a GO_POOL that is not valid: 500', async () => {
  const example = await startExample('invalid', { memoryMB: 'a lot' });
  try {
    assert.equal(await status(example.base, '/health'), 500);
  } finally {
    await example.stop();
  }
});
