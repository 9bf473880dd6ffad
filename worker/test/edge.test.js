// The example Worker (worker/example) in real workerd, over HTTP on
// 127.0.0.1: every status path of the pipeline, state kept across
// requests, side effects that outlive the response, failures followed by
// good requests, a load run, and a clean shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from './workerd.js';

const CONFIG = fileURLToPath(new URL('../example/build/config.capnp', import.meta.url));
const TOKEN = 'dev-token'; // the API_TOKEN binding of the config
let workerd;
let base;

before(async () => {
  workerd = await startWorkerd(CONFIG);
  base = workerd.urls.http;
});

after(async () => {
  const { code, signal } = await workerd.stop();
  assert.equal(signal, 'SIGKILL', `workerd exited on its own (code ${code})`);
});

let clients = 0;
/** Requests path; an /api/ request is authorised and has a client id of its own. */
function call(path, { method = 'GET', body, token = TOKEN, client = `client-${++clients}`, headers = {} } = {}) {
  if (path.startsWith('/api/')) {
    headers = { 'x-client-id': client, ...headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
  }
  if (body !== undefined && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  return fetch(base + path, { method, body, headers, redirect: 'manual' });
}

async function json(response, status) {
  const text = await response.text();
  assert.equal(response.status, status, `status of ${response.url}: ${text}`);
  if (status !== 204) assert.match(response.headers.get('content-type'), /^application\/json/);
  return JSON.parse(text);
}

const ORDER = { item: 'espresso beans', quantity: 2, email: 'ada@example.com' };

test('GET /health answers through the pipeline', async () => {
  const response = await call('/health');
  assert.deepEqual(await json(response, 200), { ok: true });
  assert.match(response.headers.get('x-request-id'), /^[0-9a-z]{1,13}$/);
});

test('the demo page and the npm package files are served', async () => {
  const root = await call('/');
  assert.equal(root.status, 302);
  assert.equal(new URL(root.headers.get('location'), base).pathname, '/demo/');
  const page = await call('/demo/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const html = await page.text();
  assert.match(html, /<script src="..\/src\/edgesignals.js"/);
  // The page names the module by its content hash; it is served for a year.
  const path = wasmPath(html);
  const wasm = await call(path);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(wasm.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const expected = readFileSync(new URL('../../web/src/edgesignals.wasm', import.meta.url));
  assert.ok(Buffer.from(await wasm.arrayBuffer()).equals(expected), 'edgesignals.wasm differs from the package');
  assert.equal(path, `/src/edgesignals.${createHash('sha256').update(expected).digest('hex').slice(0, 16)}.wasm`);
  assert.equal((await call('/src/edgesignals.wasm')).status, 404, 'one copy of the module, under its hashed name');
});

/** The URL path of the module the demo page loads (its script's data-wasm, relative to /demo/). */
function wasmPath(html) {
  const named = html.match(/data-wasm="([^"]+)"/);
  assert.ok(named, 'the demo page names its module');
  return new URL(named[1], 'http://x/demo/').pathname;
}

/** A GET or HEAD with exactly these headers (fetch would add Accept-Encoding and decompress). */
function raw(path, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const request = httpRequest(base + path, { method, headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

test('static files: gzip when the client takes it, ETag and 304, HEAD, folders', async () => {
  const wasm = readFileSync(new URL('../../web/src/edgesignals.wasm', import.meta.url));
  const wasmURL = wasmPath((await raw('/demo/')).body.toString());
  const zipped = await raw(wasmURL, { 'accept-encoding': 'br, gzip' });
  assert.equal(zipped.status, 200);
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(zipped.headers['content-type'], 'application/wasm');
  assert.equal(zipped.headers.vary, 'accept-encoding');
  assert.equal(zipped.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.ok(zipped.body.length < wasm.length / 2, `gzipped: ${zipped.body.length} bytes of ${wasm.length}`);
  assert.ok(gunzipSync(zipped.body).equals(wasm));

  for (const refused of [{}, { 'accept-encoding': 'br' }, { 'accept-encoding': 'gzip;q=0, br' }]) {
    const plain = await raw(wasmURL, refused);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined, JSON.stringify(refused));
    assert.ok(plain.body.equals(wasm), `the plain body, for ${JSON.stringify(refused)}`);
  }

  const etag = zipped.headers.etag;
  assert.match(etag, /^W\/"[0-9a-f]{24}"$/);
  for (const tag of [etag, etag.slice(2), `"other", ${etag}`, '*']) {
    const cached = await raw(wasmURL, { 'if-none-match': tag, 'accept-encoding': 'gzip' });
    assert.equal(cached.status, 304, tag);
    assert.equal(cached.body.length, 0);
  }
  assert.equal((await raw(wasmURL, { 'if-none-match': '"other"' })).status, 200);

  const head = await raw('/demo/', { 'accept-encoding': 'gzip' }, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(head.headers['cache-control'], 'no-cache'); // its name has no hash
  assert.equal(head.body.length, 0);

  const folder = await raw('/demo?x=1');
  assert.equal(folder.status, 301);
  assert.equal(folder.headers.location, '/demo/?x=1');

  // A POST to a file's path, and paths that are no file, go to Go.
  assert.equal((await call('/demo/index.html', { method: 'POST', body: '{}' })).status, 404);
  assert.equal((await raw('/src/%E0%A4%A')).status, 400); // Go refuses the broken escape
  assert.equal((await raw('/src/')).status, 404);
});

test('no or a wrong token: 401 with a JSON error', async () => {
  assert.deepEqual(await json(await call('/api/stats', { token: null }), 401), {
    error: 'missing or wrong bearer token',
  });
  assert.equal((await call('/api/stats', { token: 'nope' })).status, 401);
});

test('a valid order: 201 with the order', async () => {
  const created = await json(await call('/api/orders', { method: 'POST', body: ORDER }), 201);
  assert.equal(created.item, ORDER.item);
  assert.equal(created.quantity, 2);
  assert.ok(Number.isInteger(created.id) && created.id > 0);
});

test('invalid input: 400 with the rejected field', async () => {
  const cases = [
    [{ ...ORDER, quantity: 0 }, 'quantity', 'OUT_OF_RANGE'],
    [{ ...ORDER, item: ' ' }, 'item', 'REQUIRED'],
    [{ ...ORDER, email: 'nobody' }, 'email', 'INVALID_FORMAT'],
    ['{"item": ', 'body', 'INVALID_JSON'],
    [{ ...ORDER, extra: true }, 'body', 'INVALID_JSON'],
  ];
  for (const [body, field, code] of cases) {
    const response = await call('/api/orders', { method: 'POST', body });
    assert.deepEqual(await json(response, 400), { error: 'validation failed', field, code });
  }
});

test('a body over the limit: 413', async () => {
  const big = JSON.stringify({ ...ORDER, item: 'x'.repeat(70_000) });
  const response = await call('/api/orders', { method: 'POST', body: big });
  assert.deepEqual(await json(response, 413), { error: 'Request Entity Too Large' });
  assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-z]+$/, 'the middleware\'s header is on the 413');
  // A body without a declared length: see hostile.test.js.
});

test('the deployment config does not turn on the local-development routes', () => {
  // Here (.dev.vars sets EDGESIGNALS_DEV for local workerd) /debug/ answers: see the tests
  // below. A deployment reads its variables from the wrangler.toml edgeworker wrote.
  const config = readFileSync(new URL('../example/build/config.capnp', import.meta.url), 'utf8');
  assert.match(config, /name = "EDGESIGNALS_DEV", text = "1"/);
  const toml = readFileSync(new URL('../example/build/wrangler.toml', import.meta.url), 'utf8');
  assert.doesNotMatch(toml, /EDGESIGNALS_DEV/);
});

test('per-client rate limit: 429 with Retry-After, other clients unaffected', async () => {
  const statuses = [];
  for (let i = 0; i < 21; i++) statuses.push((await call('/api/stats', { client: 'greedy' })).status);
  assert.deepEqual(statuses, [...Array(20).fill(200), 429]);
  const limited = await call('/api/stats', { client: 'greedy' });
  assert.equal(limited.headers.get('retry-after'), '10');
  assert.deepEqual(await json(limited, 429), { error: 'rate limit exceeded', client: 'greedy' });
  assert.equal((await call('/api/stats', { client: 'modest' })).status, 200);
  // Raw workerd has no KV namespace: each Go runtime counts in its memory.
  assert.equal((await json(await call('/debug/rate-limit?client=modest'), 200)).store, 'memory');
});

test('past the pipeline timeout: 504, and the next request is served', async () => {
  const start = performance.now();
  const response = await call('/debug/slow');
  const took = performance.now() - start;
  assert.deepEqual(await json(response, 504), { error: 'Gateway Timeout' });
  assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-z]+$/, 'the middleware\'s header is on the 504');
  assert.ok(took >= 450 && took < 3000, `504 after ${took} ms, the timeout is 500 ms`);
  assert.equal((await call('/health')).status, 200);
});

test('a panicking route: 500 without detail, and the next request is served', async () => {
  const response = await call('/debug/panic');
  const text = await response.text();
  assert.equal(response.status, 500);
  assert.equal(text.trim(), '{"error":"Internal Server Error"}');
  assert.equal((await call('/health')).status, 200);
});

test('a crashed Go runtime: 500, and the next request gets a new one', async () => {
  const response = await call('/debug/crash');
  assert.deepEqual(await json(response, 500), { error: 'Internal Server Error' });
  assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-z]+$/, 'the middleware\'s header is on the 500');
  for (let i = 0; i < 3; i++) assert.equal((await call('/health')).status, 200);
});

test('state is kept across the requests a runtime serves', async () => {
  const first = await json(await call('/api/stats'), 200);
  const second = await json(await call('/api/stats'), 200);
  assert.ok(first.requests > 0, 'no request counted');
  assert.equal(second.requests, first.requests + 1, 'the second request met another runtime');
  await json(await call('/api/orders', { method: 'POST', body: ORDER }), 201);
});

test('a side effect finishes after the response', async () => {
  const sent = performance.now();
  const response = await call('/api/orders', { method: 'POST', body: ORDER });
  await json(response, 201);
  const answered = performance.now() - sent;
  const id = response.headers.get('x-request-id');
  // The purge takes 30 ms after the response: poll for it.
  for (let tries = 0; ; tries++) {
    const log = await json(await call('/api/log'), 200);
    if (log.purges.some((entry) => entry.requestId === id)) {
      assert.ok(log.requests.some((entry) => entry.requestId === id && entry.status === 201));
      break;
    }
    assert.ok(tries < 100, `the purge after request ${id} never finished`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(answered < 1000, `the response waited ${answered} ms`);
});

test('2,000 requests at 16 concurrent: only the expected statuses', async () => {
  const counts = {};
  let next = 0;
  async function client() {
    while (next < 2000) {
      const i = next++;
      const response =
        i % 2 ? await call('/health') : await call('/api/orders', { method: 'POST', body: ORDER });
      await response.arrayBuffer();
      counts[response.status] = (counts[response.status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: 16 }, client));
  assert.deepEqual(counts, { 200: 1000, 201: 1000 });
});
