// The demo page and the classic-script build (src/edgesignals.js) in headless
// Chromium: Debian's chromium, driven by playwright-core over a static server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { chromiumOptions } from './chromium.js';
import { serveWeb } from '../demo/serve.js';

const SCREENSHOT = fileURLToPath(new URL('../../.tmp/artifacts/demo.png', import.meta.url));

// A page with nothing but the <script> build, to test it apart from the demo.
const SCRIPT_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>script build</title><link rel="icon" href="data:,">
<script src="/src/edgesignals.js"></script></head><body></body></html>`;
const BLANK_PAGE = '<!doctype html><html><head><link rel="icon" href="data:,"></head><body></body></html>';

// An app that imports the package by name, bundled by esbuild for the
// browser as a bundler user would: through the package's exports map.
const BUNDLE = await esbuild.build({
  stdin: {
    contents: `import { load, GoError } from 'edgesignals';
      const es = await load(new URL('/src/edgesignals.wasm', location.href));
      const orders = es.createSignal({ name: 'orders' });
      const err = await orders.tryEmit({ item: 'tea', quantity: 0, email: 'a@b.c' }).catch((e) => e);
      window.outcome = { isGoError: err instanceof GoError, message: err.message, keys: orders.keys() };`,
    resolveDir: fileURLToPath(new URL('.', import.meta.url)),
    sourcefile: 'app.js',
  },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  logLevel: 'silent',
});
const BUNDLE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">${BUNDLE.outputFiles[0].text.replaceAll('</script', '<\\/script')}</script></head><body></body></html>`;

// A page under /test/ that loads modules by relative URL, counting the
// compiles that streamed: against the page, testmodule.wasm is
// web/test/testmodule.wasm (served as application/wasm); octet.wasm is the
// same bytes served as application/octet-stream, which cannot stream.
const LOAD_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  const streaming = WebAssembly.compileStreaming;
  window.streamed = 0;
  WebAssembly.compileStreaming = (...args) => { window.streamed++; return streaming(...args); };
  const { load } = await import('/src/index.js');
  const streamedModule = await load('testmodule.wasm');
  const afterFirst = window.streamed;
  const bufferedModule = await load('octet.wasm');
  const missing = await load('nope.wasm').catch((e) => e.message);
  window.outcome = {
    keys: [streamedModule.signal('go.sum').keys(), bufferedModule.signal('go.sum').keys()],
    streamed: [afterFirst, window.streamed],
    missing,
  };
</script></head><body></body></html>`;

let server;
let origin;
let browser;

before(async () => {
  ({ server, origin } = await serveWeb({
    pages: {
      '/script-build.html': SCRIPT_PAGE,
      '/blank.html': BLANK_PAGE,
      '/bundle.html': BUNDLE_PAGE,
      '/test/load.html': LOAD_PAGE,
      '/test/octet.wasm': { type: 'application/octet-stream', body: readFileSync(new URL('./testmodule.wasm', import.meta.url)) },
    },
  }));
  browser = await chromium.launch(chromiumOptions);
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

// Runs fn with a fresh page. Console errors, uncaught exceptions and failed
// requests fail the test, but for 404s of the paths in expect404; any failure
// quotes everything the page logged.
async function withPage(fn, { expect404 = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  const logged = []; // everything, for the failure message
  const problems = [];
  const problem = (text) => {
    problems.push(text);
    logged.push(text);
  };
  page.on('console', (m) => {
    const line = `console.${m.type()}: ${m.text()}`;
    const expectedLoad = expect404.some((path) => m.location().url === `${origin}${path}`);
    if (m.type() === 'error' && !expectedLoad) problem(line);
    else logged.push(line);
  });
  page.on('pageerror', (e) => problem(`uncaught: ${e.stack ?? e}`));
  page.on('requestfailed', (r) => problem(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  const expected = (r) => r.status() === 404 && expect404.includes(new URL(r.url()).pathname);
  page.on('response', (r) => {
    if (expected(r)) logged.push(`HTTP 404 (expected): ${r.url()}`);
    else if (r.status() >= 400) problem(`HTTP ${r.status()}: ${r.url()}`);
  });
  try {
    await fn(page);
    assert.deepEqual(problems, [], 'the page reported problems');
  } catch (error) {
    error.message += `\n--- page log ---\n${logged.join('\n') || '(empty)'}`;
    throw error;
  } finally {
    await context.close();
  }
}

test('the demo page places and rejects orders, and shows listeners and the log', { timeout: 20000 }, async () => {
  await withPage(async (page) => {
    const modules = [];
    page.on('request', (r) => r.url().endsWith('.wasm') && modules.push(r.url()));
    await page.goto(`${origin}/demo/`);
    await page.waitForSelector('body[data-state]'); // "ready" or "failed"
    assert.match(await page.textContent('#status'), /^Ready/);
    // The page's <link rel="preload"> fetched the module and load() took that
    // response: one request, not a second download.
    assert.deepEqual(modules, [`${origin}/src/edgesignals.wasm`]);

    const chips = () => page.$$eval('#listeners .chip', (els) => els.map((e) => e.dataset.key));
    const result = () => page.textContent('#result');
    const logLines = () => page.$$eval('#log li span', (els) => els.map((e) => e.textContent));
    const order = async (item, quantity, email) => {
      await page.selectOption('#item', item);
      await page.fill('#quantity', String(quantity));
      await page.fill('#email', email);
      const before = await page.$eval('#log', (log) => log.children.length);
      await page.click('#submit');
      // submitted, then accepted or rejected: two lines per order.
      await page.waitForFunction((n) => document.getElementById('log').children.length >= n, before + 2);
      return result();
    };

    assert.deepEqual(await chips(), ['go:validate', 'js:stock']);

    assert.equal(await order('tea', 2, 'ada@example.com'), 'Order placed: 2 × tea');
    assert.equal(await page.getAttribute('#result', 'class'), 'result ok');

    let text = await order('tea', 0, 'ada@example.com');
    assert.match(text, /Rejected by go:validate \(Go\)/);
    assert.match(text, /order: quantity must be a whole number from 1 to 10/);
    assert.equal(await page.getAttribute('#result', 'class'), 'result error');

    text = await order('coffee', 1, 'ada.example.com');
    assert.match(text, /Rejected by go:validate \(Go\).*order: email must contain @/);

    text = await order('matcha', 5, 'ada@example.com');
    assert.match(text, /Rejected by js:stock \(JavaScript\).*stock: only 3 × matcha left, you asked for 5/);

    // Without the stock listener, the same order passes: only Go checks it.
    await page.uncheck('#stock-toggle');
    assert.deepEqual(await chips(), ['go:validate']);
    assert.equal(await order('matcha', 5, 'ada@example.com'), 'Order placed: 5 × matcha');
    await page.check('#stock-toggle');
    assert.deepEqual(await chips(), ['go:validate', 'js:stock']);

    // A preset button fills the form and submits it.
    await page.click('.preset[data-quantity="0"]');
    await page.waitForFunction(() => document.getElementById('result').textContent.includes('quantity must be'));

    const lines = await logLines();
    for (const expected of [
      'ready: Go listener go:validate joined "orders"',
      'submitted 2 × tea for ada@example.com',
      'accepted 2 × tea',
      'rejected by go:validate: order: quantity must be a whole number from 1 to 10',
      'rejected by go:validate: order: email must contain @',
      'rejected by js:stock: stock: only 3 × matcha left, you asked for 5',
      'js:stock removed; listeners: go:validate',
      'accepted 5 × matcha',
      'js:stock added; listeners: go:validate, js:stock',
    ]) {
      assert.ok(lines.includes(expected), `log line ${JSON.stringify(expected)} missing from:\n${lines.join('\n')}`);
    }
    assert.match(await page.textContent('#log li time'), /^\d\d:\d\d:\d\d\.\d{3}$/);

    // Leave a readable state for the screenshot: one success, then one Go error.
    await order('tea', 2, 'ada@example.com');
    await order('coffee', 12, 'ada@example.com');
    await page.mouse.move(0, 0); // no hover effect in the picture
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});

test('the <script> build defines EdgeSignals.load, and Go rejects a bad order', { timeout: 20000 }, async () => {
  await withPage(async (page) => {
    // The globals a page has without the script, to see what the script adds.
    await page.goto(`${origin}/blank.html`);
    const baseline = new Set(await page.evaluate(() => Object.getOwnPropertyNames(globalThis)));
    const added = async () =>
      (await page.evaluate(() => Object.getOwnPropertyNames(globalThis))).filter((n) => !baseline.has(n)).sort();

    await page.goto(`${origin}/script-build.html`);
    assert.deepEqual(await added(), ['EdgeSignals']);
    assert.deepEqual(await page.evaluate(() => Object.keys(EdgeSignals)), ['load']);

    const outcome = await page.evaluate(async () => {
      const es = await EdgeSignals.load();
      const orders = es.createSignal({ name: 'orders' });
      await orders.tryEmit({ item: 'tea', quantity: 1, email: 'a@b.c' });
      const err = await orders.tryEmit({ item: 'tea', quantity: 1, email: 'nobody' }).then(() => null, (e) => e);
      return {
        keys: orders.keys(),
        isGoError: err instanceof EdgeSignals.GoError,
        name: err?.name,
        key: err?.key,
        message: err?.message,
        signalClass: orders instanceof EdgeSignals.Signal,
      };
    });
    assert.deepEqual(outcome, {
      keys: ['go:validate'],
      isGoError: true,
      name: 'GoError',
      key: 'go:validate',
      message: 'order: email must contain @',
      signalClass: true,
    });
    // Loading adds only wasm_exec.js's globals and the bridge's host hook.
    const allowed = ['EdgeSignals', 'Go', '__edgesignals_host', 'fs', 'path', 'process'];
    const extra = (await added()).filter((n) => !allowed.includes(n));
    assert.deepEqual(extra, [], 'globals beyond EdgeSignals and those of wasm_exec.js');
  });
});

test('an app bundled by esbuild for the browser imports the package by name', { timeout: 20000 }, async () => {
  assert.deepEqual(BUNDLE.warnings, []);
  await withPage(async (page) => {
    await page.goto(`${origin}/bundle.html`);
    await page.waitForFunction(() => window.outcome !== undefined);
    assert.deepEqual(await page.evaluate(() => window.outcome), {
      isGoError: true,
      message: 'order: quantity must be a whole number from 1 to 10',
      keys: ['go:validate'],
    });
  });
});

test('load() resolves a string against the page, and compiles while downloading when served as application/wasm', { timeout: 20000 }, async () => {
  await withPage(async (page) => {
    await page.goto(`${origin}/test/load.html`);
    await page.waitForFunction(() => window.outcome !== undefined);
    const outcome = await page.evaluate(() => window.outcome);
    assert.deepEqual(outcome, {
      keys: [['adder'], ['adder']],
      streamed: [1, 1], // testmodule.wasm streamed; octet.wasm, of another type, was compiled from its bytes
      missing: `edgesignals: fetching ${origin}/test/nope.wasm failed: 404`,
    });
  }, { expect404: ['/test/nope.wasm'] });
});
