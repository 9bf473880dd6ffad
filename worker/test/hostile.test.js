// What clients and faulty code throw at the example Worker in real workerd:
// malformed requests, oversized headers and bodies, clients that go away,
// panics and deadlines, side effects that fail after the response. After
// each, the next request must succeed. Then a load run with memory bounds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from './workerd.js';

const CONFIG = fileURLToPath(new URL('../example/build/config.capnp', import.meta.url));
let workerd;
let base;
let port;

before(async () => {
  workerd = await startWorkerd(CONFIG);
  base = workerd.urls.http;
  port = Number(new URL(base).port);
});

after(async () => {
  await workerd.stop();
});

/** Sends raw bytes, resolves with the status of the answer (0 if none) once the server closes or answers. */
function raw(bytes, { closeAfterMs } = {}) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = () => {
      socket.destroy();
      const m = data.match(/^HTTP\/1\.1 (\d{3})/);
      resolve(m ? Number(m[1]) : 0);
    };
    socket.on('data', (chunk) => {
      data += chunk;
      if (/\r\n\r\n/.test(data)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes);
    if (closeAfterMs !== undefined) setTimeout(done, closeAfterMs);
  });
}

async function healthy(what) {
  const response = await fetch(base + '/health');
  assert.equal(response.status, 200, `GET /health after ${what}`);
  assert.deepEqual(await response.json(), { ok: true });
}

/** workerd's resident memory, in MB. */
function rssMB() {
  const status = readFileSync(`/proc/${workerd.child.pid}/status`, 'utf8');
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)[1]) / 1024;
}

const AUTH = 'Authorization: Bearer dev-token\r\nX-Client-Id: hostile\r\n';

// Each case: what is sent, and the status the client sees (0: none, as the
// client closes the connection first).
const cases = [
  ['a malformed percent-escape in the path', 'GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
  ['a malformed escape in an API path', `GET /api/%zz HTTP/1.1\r\nHost: x\r\n${AUTH}\r\n`, [400]],
  ['a path with dot segments', 'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n', [307]],
  ['a 100 KB URL', `GET /health?${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, [414]],
  ['a 100 KB header', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`, [200]],
  ['2,000 headers', `GET /health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`, [200]],
  ['not HTTP at all', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n', [400]],
  ['an unknown method', 'BREW /health HTTP/1.1\r\nHost: x\r\n\r\n', [501]],
  ['a declared 10 MB body', `POST /api/orders HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Length: 10485760\r\n\r\n{"item":`, [413]],
  ['a body shorter than declared, then gone', `POST /api/orders HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Length: 1000\r\n\r\n{"item":"x"`, [0], { closeAfterMs: 200 }],
  ['a client gone while the pipeline waits', 'GET /debug/slow HTTP/1.1\r\nHost: x\r\n\r\n', [0], { closeAfterMs: 100 }],
  ['a client gone at once', 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', [0, 200], { closeAfterMs: 0 }],
];

for (const [name, bytes, statuses, options] of cases) {
  test(`${name}: ${statuses.join(' or ')}, then the next request works`, async () => {
    const status = await raw(bytes, options);
    assert.ok(statuses.includes(status), `status ${status}`);
    await healthy(name);
  });
}

test('a chunked body past the limit: 413 before the body ends, then the next request works', async () => {
  // Over a raw socket: five 16 KB chunks (past the 64 KB limit) and no end.
  // The answer must come without the rest of the body. Sending no more than
  // the server reads keeps its close a clean one: unread bytes would turn it
  // into a reset that can swallow the answer.
  const status = await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const answer = () => Number(data.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
    socket.on('data', (d) => {
      data += d;
      if (answer()) {
        socket.destroy();
        resolve(answer());
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer()));
    socket.setTimeout(5000, () => socket.destroy());
    socket.write(`POST /api/orders HTTP/1.1\r\nHost: x\r\n${AUTH}Transfer-Encoding: chunked\r\n\r\n`);
    for (let i = 0; i < 5; i++) socket.write(`4000\r\n${'x'.repeat(0x4000)}\r\n`);
  });
  assert.equal(status, 413);
  await healthy('a chunked body past the limit');
});

for (const [name, path, status] of [
  ['a panicking middleware', '/debug/panic?in=middleware', 500],
  ['a panicking handler', '/debug/panic', 500],
  ['a pipeline past its deadline', '/debug/slow', 504],
  ['a crashed Go runtime', '/debug/crash', 500],
  ['a side effect that panics after the response', '/debug/fail-later', 200],
]) {
  test(`${name}: ${status}, then the next request works`, async () => {
    const response = await fetch(base + path);
    assert.equal(response.status, status);
    if (status >= 500) assert.match(await response.text(), /^\{"error":"(Internal Server Error|Gateway Timeout)"\}/);
    await healthy(name);
  });
}

test('clients that leave while the pipeline waits leave workerd\'s memory bounded', async () => {
  // Each abandoned /debug/slow keeps its runtime busy until the 500 ms
  // deadline; a runtime that stayed referenced would hold its WebAssembly
  // memory, so a second batch would grow workerd again.
  const abandon = async () => {
    for (let i = 0; i < 20; i++) await raw('GET /debug/slow HTTP/1.1\r\nHost: x\r\n\r\n', { closeAfterMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // every deadline has passed
    await healthy('abandoned requests');
    return rssMB();
  };
  const first = await abandon();
  const second = await abandon();
  assert.ok(second - first < 32, `workerd grew from ${first} MB to ${second} MB over the second 20`);
});

test('10,000 requests at 16 concurrent: only the expected statuses, bounded memory', async () => {
  const routes = [
    ['/health', {}, 200],
    ['/api/stats', { headers: { authorization: 'Bearer dev-token' } }, 200],
    ['/api/stats', {}, 401],
    ['/nope', {}, 404],
    ['/debug/panic', {}, 500],
  ];
  const counts = {};
  const unexpected = [];
  let next = 0;
  let rssAtStart;
  async function client() {
    while (next < 10_000) {
      const i = next++;
      if (i === 1000) rssAtStart = rssMB();
      const [path, init, expected] = routes[i % routes.length];
      const headers = { ...init.headers, 'x-client-id': `load-${i}` };
      const response = await fetch(base + path, { headers });
      await response.arrayBuffer();
      counts[response.status] = (counts[response.status] ?? 0) + 1;
      if (response.status !== expected) unexpected.push(`${path}: ${response.status}`);
    }
  }
  await Promise.all(Array.from({ length: 16 }, client));
  const rssAtEnd = rssMB();
  assert.deepEqual(unexpected, [], JSON.stringify(counts));
  console.log(`workerd memory: ${rssAtStart.toFixed(0)} MB after 1,000 requests, ${rssAtEnd.toFixed(0)} MB after 10,000`);
  assert.ok(rssAtEnd < 1024, `workerd uses ${rssAtEnd} MB`);
  assert.ok(rssAtEnd - rssAtStart < 128, `workerd grew from ${rssAtStart} MB to ${rssAtEnd} MB`);
});
