// Two Chromium pages of the demo and the Go Worker share one signal through
// the hub: the example Worker (worker/example) in workerd serves the page,
// the hub under /hub/ and its Go pipeline, whose POST /api/orders emits on
// the hub from Go; the pages' client (connect() of the npm package)
// reconnects and resumes by itself after workerd is killed and restarted. playwright-core and Debian's chromium, as web/test uses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumOptions } from '../../web/test/chromium.js';
import { startWorkerd } from './workerd.js';

const CONFIG = fileURLToPath(new URL('../example/build/config.capnp', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../.tmp/artifacts/hub-demo.png', import.meta.url));
let workerd;
let browser;

before(async () => {
  workerd = await startWorkerd(CONFIG, ['http'], { path: '/health' });
  browser = await chromium.launch(chromiumOptions);
});

after(async () => {
  await browser?.close();
  await workerd?.stop();
});

/** Opens the demo in a page of its own; problems collects console errors and uncaught exceptions. */
async function openDemo() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console.error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.stack ?? e}`));
  await page.goto(`${workerd.urls.http}/demo/`);
  await page.waitForSelector('body[data-state="ready"]');
  await page.waitForSelector('body[data-live="connected"]');
  return { page, problems, close: () => context.close() };
}

/** The live orders a page lists, as "seq: text". */
const liveOrders = (page) =>
  page.$$eval('#live-orders li', (items) => items.map((li) => `${li.dataset.seq}: ${li.querySelector('span').textContent}`));

async function placeOrder(page, item, quantity) {
  await page.selectOption('#item', item);
  await page.fill('#quantity', String(quantity));
  await page.click('#submit');
  await page.waitForSelector('#result.ok');
}

test('two tabs and the Go Worker see each other\'s orders live, in the same seq order', { timeout: 60_000 }, async () => {
  const a = await openDemo();
  const b = await openDemo();
  try {
    await placeOrder(a.page, 'tea', 2);
    await placeOrder(b.page, 'coffee', 3);
    // The Go pipeline's POST /api/orders?share=1 emits on the hub from Go.
    const response = await fetch(`${workerd.urls.http}/api/orders?share=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json', 'x-client-id': 'hub-demo' },
      body: JSON.stringify({ item: 'matcha', quantity: 1, email: 'ada@example.com' }),
    });
    assert.equal(response.status, 201);
    const { seq } = await response.json();
    assert.ok(Number.isInteger(seq), 'the Go Worker got the seq of its emit');
    for (const { page } of [a, b]) {
      await page.waitForFunction((s) => document.querySelector(`#live-orders li[data-seq="${s}"]`), seq);
    }
    const seen = await Promise.all([a, b].map(({ page }) => liveOrders(page)));
    // Each tab names the other's order by its tab name and its own as "this tab".
    const anyTab = (lines) => lines.map((line) => line.replace(/\((tab \w+|this tab)\)$/, '(a tab)'));
    assert.deepEqual(anyTab(seen[0]), anyTab(seen[1]), 'both tabs list the same orders with the same seqs');
    assert.deepEqual(anyTab(seen[0]), [`${seq - 2}: 2 × tea (a tab)`, `${seq - 1}: 3 × coffee (a tab)`, `${seq}: 1 × matcha (Go Worker)`]);
    assert.match(seen[0][0], /\(this tab\)$/);
    assert.match(seen[1][1], /\(this tab\)$/);
    assert.doesNotMatch(seen[1][0], /\(this tab\)$/);
    assert.match(await a.page.textContent('#live-status'), /^connected as tab /);
    assert.deepEqual([...a.problems, ...b.problems], []);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await b.page.screenshot({ path: SCREENSHOT, fullPage: true });
  } finally {
    await a.close();
    await b.close();
  }
});

test('workerd killed and restarted: both tabs reconnect by themselves and resume, nothing lost or repeated', { timeout: 120_000 }, async () => {
  const a = await openDemo();
  const b = await openDemo();
  try {
    await placeOrder(a.page, 'tea', 1);
    const lastSeq = async (page) => Number(await page.$eval('#live-orders li:last-child', (li) => li.dataset.seq));
    await b.page.waitForSelector('#live-orders li');
    const before = await lastSeq(a.page);
    assert.equal(await lastSeq(b.page), before);

    const port = Number(new URL(workerd.urls.http).port);
    const { signal } = await workerd.stop();
    assert.equal(signal, 'SIGKILL');
    for (const { page } of [a, b]) await page.waitForSelector('body[data-live="connecting"]');
    workerd = await startWorkerd(CONFIG, ['http'], { path: '/health', ports: { http: port } });
    // Emitted from Go as soon as the Worker is back, while the tabs may still
    // wait to reconnect: they get it live, or from the log when they resume.
    const response = await fetch(`${workerd.urls.http}/api/orders?share=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json', 'x-client-id': 'hub-demo-restart' },
      body: JSON.stringify({ item: 'matcha', quantity: 3, email: 'ada@example.com' }),
    });
    assert.equal(response.status, 201);
    const { seq } = await response.json();
    assert.equal(seq, before + 1, 'the seq goes on after the restart: it is stored on disk');
    for (const { page } of [a, b]) {
      await page.waitForSelector('body[data-live="connected"]');
      await page.waitForFunction((s) => document.querySelector(`#live-orders li[data-seq="${s}"]`), seq);
    }
    await placeOrder(b.page, 'coffee', 2);
    for (const { page } of [a, b]) await page.waitForFunction((s) => document.querySelector(`#live-orders li[data-seq="${s}"]`), seq + 1);

    const anyTab = (lines) => lines.map((line) => line.replace(/\((tab \w+|this tab)\)$/, '(a tab)'));
    const seen = await Promise.all([a, b].map(({ page }) => liveOrders(page)));
    const expected = [`${before}: 1 × tea (a tab)`, `${seq}: 3 × matcha (Go Worker)`, `${seq + 1}: 2 × coffee (a tab)`];
    assert.deepEqual(anyTab(seen[0]), expected);
    assert.deepEqual(anyTab(seen[1]), expected);
    // The browser itself reports what failed while workerd was down (the
    // page's live feed of orders, GET /api/events, cut and refused); nothing
    // else may go wrong.
    const down = /^console\.error: (Failed to load resource: net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING)|WebSocket connection to .* failed)/;
    const other = [...a.problems, ...b.problems].filter((p) => !down.test(p));
    assert.deepEqual(other, []);
  } finally {
    await a.close();
    await b.close();
  }
});
