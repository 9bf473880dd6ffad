// The example Worker under `wrangler dev --local` (miniflare), with the
// bindings of worker/example/wrangler.toml (which edgeworker copies into
// build/wrangler.toml): orders stored in D1 and listed back, the rate
// limiter's counts in KV, orders sent to a Queue that the Worker's Go
// listeners consume (a receipt in R2 per order), Cron Triggers fired through /__scheduled, 10,000
// queue messages of which one in ten fails its first delivery, and the
// orders still there after a restart with persistence on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumOptions } from '../../web/test/chromium.js';
import { startWrangler } from './wrangler.js';

const EXAMPLE = fileURLToPath(new URL('../example/build/', import.meta.url)); // written by make worker
const STATE = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const TOKEN = 'dev-token'; // API_TOKEN of worker/example/.dev.vars
let wrangler;
let persistTo;

before(async () => {
  persistTo = mkdtempSync(STATE + 'wrangler-state-');
  wrangler = await startWrangler(EXAMPLE, { persistTo });
});

after(async () => {
  await wrangler?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

function call(path, { method = 'GET', body } = {}) {
  const headers = { authorization: `Bearer ${TOKEN}`, 'x-client-id': `storage-${Math.random()}` };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(body);
  }
  return fetch(wrangler.url + path, { method, body, headers });
}

async function json(response, status) {
  const text = await response.text();
  assert.equal(response.status, status, `${response.url}: ${text}`);
  return JSON.parse(text);
}

/** Polls check() until it returns a value other than undefined. */
async function eventually(what, check, { tries = 300, everyMs = 100 } = {}) {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  assert.fail(`${what}: not within ${(tries * everyMs) / 1000} s\n${wrangler.output().slice(-3000)}`);
}

const ORDER = { item: 'oolong', quantity: 3, email: 'ada@example.com' };

test('an order is stored in D1, listed back, and processed by the queue consumer into an R2 receipt', async () => {
  const created = await json(await call('/api/orders', { method: 'POST', body: ORDER }), 201);
  assert.ok(Number.isInteger(created.id) && created.id > 0);
  const { orders } = await json(await call('/api/orders'), 200);
  const listed = orders.find((o) => o.id === created.id);
  assert.equal(listed?.item, ORDER.item, 'the order is not listed');
  // The queue consumer (a Go listener of Pipeline.Queue) processes it.
  const receipt = await eventually('the receipt in R2', async () => {
    const response = await call(`/api/receipts/${created.id}`);
    if (response.status === 404) return void (await response.arrayBuffer());
    return json(response, 200);
  });
  assert.deepEqual({ ...receipt, createdMs: 0 }, { ...ORDER, id: created.id, status: 'processed', createdMs: 0 });
  const after = (await json(await call('/api/orders'), 200)).orders.find((o) => o.id === created.id);
  assert.equal(after.status, 'processed');
});

test("the rate limiter counts each client's /api requests in KV, through syumai/workers' kv package", async () => {
  const client = `kv-${Math.random()}`;
  const headers = { authorization: `Bearer ${TOKEN}`, 'x-client-id': client };
  for (let i = 0; i < 3; i++) assert.equal((await fetch(wrangler.url + '/api/stats', { headers })).status, 200);
  const counted = await fetch(`${wrangler.url}/debug/rate-limit?client=${encodeURIComponent(client)}`);
  assert.deepEqual(await json(counted, 200), { client, count: 3, store: 'kv' });
});

test('a Cron Trigger reaches the Go listeners; a failing listener fails the invocation, and the runtime serves on', async () => {
  const fired = await fetch(`${wrangler.url}/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`);
  assert.equal(fired.status, 200, await fired.text());
  const { rollups } = await json(await call('/api/rollups'), 200);
  assert.equal(rollups[0]?.cron, '*/10 * * * *');
  assert.ok(rollups[0].orders >= 1, 'the rollup counted no order');

  const failed = await fetch(`${wrangler.url}/__scheduled?cron=${encodeURIComponent('0 0 31 2 *')}`);
  assert.equal(failed.status, 500);
  assert.match(await failed.text(), /listener "rollup": the rollup fails for 0 0 31 2 \*, as asked/);

  assert.equal((await fetch(wrangler.url + '/health')).status, 200);
  const again = await fetch(`${wrangler.url}/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`);
  assert.equal(again.status, 200);
  assert.equal((await json(await call('/api/rollups'), 200)).rollups.length, rollups.length + 1);
});

test('10,000 queue messages, one in ten failing its first delivery: each processed, the failing ones retried exactly once', async () => {
  const count = 10_000;
  assert.deepEqual(await json(await call(`/debug/enqueue?count=${count}&failEvery=10`, { method: 'POST' }), 202), {
    sent: count,
  });
  const counts = await eventually(
    'every message processed',
    async () => {
      const c = await json(await call('/debug/deliveries?failEvery=10'), 200);
      return c.done === count ? c : undefined;
    },
    { tries: 600, everyMs: 500 },
  );
  // Settle: no delivery may come after the last success.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const final = await json(await call('/debug/deliveries?failEvery=10'), 200);
  assert.deepEqual(final, counts, 'deliveries went on after every message had succeeded');
  assert.deepEqual(final, {
    deliveries: count + count / 10, // one more for each failing message
    succeeded: count,
    distinct: count,
    done: count,
    twice: count / 10,
    more: 0,
    twiceFails: count / 10, // and those are exactly the ones meant to fail
  });
});

test('stored orders survive a restart of wrangler dev with persistence on', async () => {
  const created = await json(await call('/api/orders', { method: 'POST', body: { ...ORDER, item: 'sencha' } }), 201);
  await wrangler.stop();
  wrangler = await startWrangler(EXAMPLE, { persistTo, port: wrangler.port });
  const { orders } = await json(await call('/api/orders'), 200);
  assert.equal(orders.find((o) => o.id === created.id)?.item, 'sencha');
});

/** Reads Server-Sent Events from a fetch body: { id, event, data } each. */
async function* serverSentEvents(body) {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of body) {
    rest += decoder.decode(chunk, { stream: true });
    let at;
    while ((at = rest.indexOf('\n\n')) >= 0) {
      const event = {};
      for (const line of rest.slice(0, at).split('\n')) {
        const [field, ...value] = line.split(': ');
        event[field] = value.join(': ');
      }
      rest = rest.slice(at + 2);
      if (event.data !== undefined) yield event;
    }
  }
}

test('GET /api/events streams accepted orders as they come, and resumes after Last-Event-ID', async () => {
  const abort = new AbortController();
  const response = await fetch(wrangler.url + '/api/events', { signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/event-stream/);
  const events = serverSentEvents(response.body);
  const items = ['matcha', 'hojicha', 'genmaicha'];
  const ids = [];
  for (const item of items) ids.push((await json(await call('/api/orders', { method: 'POST', body: { ...ORDER, item } }), 201)).id);
  const got = [];
  for (let i = 0; i < items.length; i++) got.push((await events.next()).value);
  abort.abort();
  assert.deepEqual(got.map((e) => [e.id, e.event, JSON.parse(e.data).item]), ids.map((id, i) => [String(id), 'order', items[i]]));
  assert.equal(JSON.parse(got[0].data).email, undefined, 'the public feed carries an email address');

  // A reconnecting EventSource sends the last id it got: the orders after it.
  const again = new AbortController();
  const resumed = await fetch(wrangler.url + '/api/events', { signal: again.signal, headers: { 'last-event-id': String(ids[0]) } });
  const next = serverSentEvents(resumed.body);
  const after = [(await next.next()).value, (await next.next()).value];
  again.abort();
  assert.deepEqual(after.map((e) => e.id), [String(ids[1]), String(ids[2])]);
});

test("headless Chromium's EventSource gets every order in order, across a reconnection with Last-Event-ID", async () => {
  const browser = await chromium.launch(chromiumOptions);
  try {
    const page = await browser.newPage();
    await page.goto(wrangler.url + '/health');
    // ?max=2 ends each stream after two events: the browser reconnects
    // (retry: 500 ms) and sends the last id it got.
    await page.evaluate(() => {
      window.got = [];
      window.opened = 0;
      const source = new EventSource('/api/events?max=2');
      source.onopen = () => window.opened++;
      source.addEventListener('order', (e) => window.got.push([e.lastEventId, JSON.parse(e.data).item]));
    });
    await page.waitForFunction(() => window.opened === 1);
    const items = ['earl grey', 'darjeeling', 'assam', 'keemun', 'lapsang'];
    const ids = [];
    for (const item of items) {
      ids.push((await json(await call('/api/orders', { method: 'POST', body: { ...ORDER, item } }), 201)).id);
    }
    await page.waitForFunction((n) => window.got.length >= n, items.length, { timeout: 30_000 });
    const { got, opened } = await page.evaluate(() => ({ got: window.got, opened: window.opened }));
    assert.deepEqual(got, ids.map((id, i) => [String(id), items[i]]));
    assert.ok(opened >= 3, `the browser connected ${opened} times: no reconnection was tested`);

    // The demo page, as the Worker serves it, shows the feed in its log.
    const demo = await browser.newPage();
    await demo.goto(wrangler.url + '/demo/');
    await demo.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30_000 });
    await demo.waitForFunction(() => document.body.dataset.feedState === 'open', null, { timeout: 30_000 });
    const { id } = await json(await call('/api/orders', { method: 'POST', body: { ...ORDER, item: 'pu-erh' } }), 201);
    await demo.waitForFunction(
      (text) => [...document.querySelectorAll('#log li')].some((li) => li.textContent.includes(text)),
      `edge: order #${id} accepted (3 × pu-erh)`,
      { timeout: 30_000 },
    );
  } finally {
    await browser.close();
  }
});
