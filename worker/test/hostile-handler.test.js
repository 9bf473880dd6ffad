// Hostile handler outputs in real workerd: the Go handlers of
// worker/internal/hostileworker write what each row asks for (newlines and
// NULs in header names and values, 10,000 headers, every status from 0 to
// 1000, a body past the memory a Worker has, ...). Each row checks what the
// client receives, over a raw socket, byte for byte where it matters, what
// the pipeline's OnError heard, and that the Go runtime that served the row
// serves the next request: the Worker counts the Go runtimes its isolate
// started (GET /starts), and every answer names its runtime (X-Runtime).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from './workerd.js';

const CONFIG = fileURLToPath(new URL('./build/hostile/config.capnp', import.meta.url));
let workerd;
let port;

before(async () => {
  workerd = await startWorkerd(CONFIG, ['http'], { path: '/starts' });
  port = Number(new URL(workerd.urls.http).port);
});

after(async () => {
  await workerd?.stop();
});

/**
 * Sends one HTTP/1.1 request over a raw socket and reads the answer until
 * the server closes: its status, its header fields as sent (name and value
 * of each line, in order) and its body.
 */
function request(target, { headers = '' } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const data = Buffer.concat(chunks);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no answer to ${target}: ${JSON.stringify(data.toString('latin1'))}`));
      const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const fields = lines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
      });
      resolve({
        status: Number(statusLine.split(' ')[1]),
        fields,
        get: (name) => fields.filter(([n]) => n === name).map(([, v]) => v),
        body: data.subarray(end + 4),
      });
    });
    socket.write(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`, 'latin1'));
  });
}

async function json(target) {
  const answer = await request(target);
  assert.equal(answer.status, 200, `${target}: ${answer.body}`);
  return JSON.parse(answer.body.toString());
}

/**
 * Runs send, then checks that no Go runtime was started for it or the
 * request after it. An answer of the pipeline names the runtime that served
 * it; a request refused before the pipeline (400) has no header to tell.
 */
async function onOneRuntime(send) {
  const before = await json('/starts');
  const answer = await send();
  if (answer.status !== 400) {
    assert.deepEqual(answer.get('x-runtime'), [String(before.runtime)], 'the row was served by another runtime');
  }
  const after = await json('/starts');
  assert.equal(after.starts, before.starts, 'a Go runtime was started');
  assert.equal(after.runtime, before.runtime);
  return answer;
}

/** Header fields a row's handler adds: /echo?name=..&value=.. for each pair. */
const echo = (...pairs) =>
  '/echo?' + pairs.map(([name, value]) => `name=${encodeURIComponent(name)}&value=${encodeURIComponent(value)}`).join('&');

// Each row: the request, what the client must see, and what OnError must
// have heard (nothing if absent).
const rows = [
  {
    name: 'a header value with a newline and a header after it (reflected user input)',
    target: echo(['X-Echo', 'hello\nSet-Cookie: session=evil']),
    check(a) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.get('x-echo'), ['hello Set-Cookie: session=evil']);
      assert.deepEqual(a.get('set-cookie'), []);
    },
  },
  {
    name: 'a header value with CR LF, NUL, and spaces around it',
    target: echo(['X-Crlf', 'a\r\nSet-Cookie: b'], ['X-Nul', 'a\0b'], ['X-Padded', '\r\n  padded \t']),
    check(a) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.get('x-crlf'), ['a  Set-Cookie: b']);
      assert.deepEqual(a.get('x-nul'), ['a b']);
      assert.deepEqual(a.get('x-padded'), ['padded']);
      assert.deepEqual(a.get('set-cookie'), []);
    },
  },
  {
    name: 'a header value with other control bytes, UTF-8, and bytes that are not UTF-8',
    target: '/echo?name=X-Ctl&value=a%01b%7Fc&name=X-Utf8&value=caf%C3%A9&name=X-Bad&value=a%FFb',
    check(a) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.get('x-ctl'), ['a\x01b\x7fc'], 'sent as net/http sends them');
      assert.deepEqual(a.get('x-utf8'), ['caf\xc3\xa9'], 'the same bytes (read as latin1 here)');
      assert.deepEqual(a.get('x-bad'), ['a\xef\xbf\xbdb'], 'U+FFFD');
    },
  },
  {
    name: 'header names with a newline, NUL, space, colon, or empty',
    target: echo(['X-A\nX-B', 'v'], ['X\0Y', 'v'], ['X Y', 'v'], ['X:Y', 'v'], ['', 'v'], ['X-Fine', 'v']),
    check(a) {
      assert.equal(a.status, 200);
      const names = a.fields.map(([name]) => name).filter((name) => name.startsWith('x') && name !== 'x-runtime');
      assert.deepEqual(names, ['x-fine'], 'only the valid name is sent');
    },
  },
  {
    name: 'a Set-Cookie list',
    target: echo(['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2; Path=/'], ['Set-Cookie', 'c=3; HttpOnly']),
    check(a) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.get('set-cookie'), ['a=1', 'b=2; Path=/', 'c=3; HttpOnly'], 'one line each, in order');
    },
  },
  {
    name: '10,000 headers',
    target: '/headers?n=10000',
    check(a) {
      assert.equal(a.status, 200);
      assert.equal(a.fields.filter(([name]) => /^x-h\d+$/.test(name)).length, 10_000);
    },
  },
  {
    name: 'a 100 KB header value',
    target: '/big-header?bytes=100000',
    check(a) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.get('x-big'), ['b'.repeat(100_000)]);
    },
  },
  {
    name: 'a body larger than a Worker\'s memory (1 GB written, MaxResponseBytes 8 MB)',
    target: '/flood?mb=1024',
    check(a) {
      assert.equal(a.status, 500);
      assert.equal(a.body.toString().trim(), '{"error":"Internal Server Error"}');
    },
    onError: ['worker: the handler wrote more than Options.MaxResponseBytes (8388608 bytes)'],
  },
  {
    name: 'no Content-Type: the sniffed one, as net/http sends',
    target: '/sniff',
    check(a) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.get('content-type'), ['text/html; charset=utf-8']);
    },
  },
  {
    name: 'a declared Content-Length shorter than the body: the body is cut to it',
    target: echo(['Content-Length', '1']),
    check(a) {
      assert.equal(a.status, 200);
      assert.equal(a.body.toString(), 'o');
    },
  },
  {
    name: 'a declared Content-Length longer than the body',
    target: echo(['Content-Length', '1000']),
    check(a) {
      assert.equal(a.status, 500);
    },
    onError: ['worker: the handler declared Content-Length 1000 and wrote 2 bytes'],
  },
  {
    name: 'an invalid Content-Length, Transfer-Encoding and Connection: the framing stays workerd\'s',
    target: echo(['Content-Length', 'abc'], ['Transfer-Encoding', 'chunked'], ['Connection', 'keep-alive']),
    check(a) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.get('content-length'), ['2']);
      assert.deepEqual(a.get('transfer-encoding'), []);
      assert.equal(a.body.toString(), 'ok');
    },
  },
  {
    name: 'a request header value with a control byte (net/http\'s server refuses it)',
    target: '/request-headers',
    headers: 'X-Ctl: a\x01b\r\n',
    check(a) {
      assert.equal(a.status, 400);
      assert.equal(a.body.toString(), 'bad request: invalid header value\n');
    },
  },
  {
    name: 'request header values in UTF-8, with tabs and commas',
    target: '/request-headers',
    headers: 'X-Utf8: caf\xc3\xa9\r\nX-Tab: a\tb\r\nX-List: 1\r\nX-List: 2\r\n',
    check(a) {
      assert.equal(a.status, 200);
      const got = JSON.parse(a.body.toString());
      assert.deepEqual([got['X-Utf8'], got['X-Tab'], got['X-List']], [['café'], ['a\tb'], ['1, 2']]);
      assert.equal(got.Host, undefined, 'Host is Request.Host, as in net/http');
    },
  },
];

for (const row of rows) {
  test(`${row.name}: then the same runtime serves`, async () => {
    await json('/errors'); // clears them
    const answer = await onOneRuntime(() => request(row.target, { headers: row.headers }));
    row.check(answer);
    assert.deepEqual(await json('/errors'), row.onError ?? [], 'what OnError heard');
  });
}

test('every status from 0 to 1000: 200-599 as written, 1xx but 101 not final (200), the others 500 that OnError hears', async () => {
  await json('/errors');
  const wrong = [];
  const expected = [];
  await onOneRuntime(async () => {
    let last;
    for (let code = 0; code <= 1000; code++) {
      last = await request(`/status?code=${code}`);
      let want = code;
      if (code >= 100 && code <= 199 && code !== 101) want = 200;
      else if (code < 200 || code > 599) {
        want = 500;
        expected.push(`worker: the handler wrote status ${code}; a Worker sends 200 to 599 (101 only with a WebSocket, which the worker package does not support)`);
      }
      if (last.status !== want) wrong.push(`${code}: ${last.status}`);
    }
    return last;
  });
  assert.deepEqual(wrong, []);
  assert.deepEqual(await json('/errors'), expected);
});

test('a crashed Go runtime: 500 with the middleware\'s headers, and the next request gets a new runtime (the count moves)', async () => {
  const before = await json('/starts');
  const answer = await request('/crash');
  assert.equal(answer.status, 500);
  assert.deepEqual(answer.get('x-runtime'), [String(before.runtime)], 'the middleware\'s header is on the 500');
  const after = await json('/starts');
  assert.equal(after.starts, before.starts + 1);
  assert.equal(after.runtime, before.starts + 1);
});
