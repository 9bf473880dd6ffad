// The npm package's hub client (web/src/hub.js) against the hub in real
// workerd: remote signals with the SignalLike API, acks with seq, resume
// after drops and restarts, gaps, overflow, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect, HubError } from '../../web/src/hub.js';
import { startHub } from './hubd.js';

const T = { timeout: 60_000 }; // a hang guard, not a speed check
let hub;
const hubs = [];


before(async () => {
  hub = await startHub();
});

after(async () => {
  for (const h of hubs) h.close();
  await hub.stop();
});

/**
 * A hub client whose WebSocket class is ws's, recording its sockets in
 * h.sockets so that a test can drop them and the frames they got in
 * h.frames; while h.away is set, its
 * connections go to a port nothing listens on.
 */
function client(path = '/hub/', options = {}) {
  const sockets = [];
  let h;
  class RecordedWebSocket extends WebSocket {
    constructor(url, ...rest) {
      super(h.away ? 'ws://127.0.0.1:9/' : url, ...rest);
      sockets.push(this);
      this.addEventListener('message', (event) => h.frames.push(String(event.data)));
    }
  }
  h = connect(hub.url + path, { WebSocket: RecordedWebSocket, minDelay: 20, maxDelay: 200, ...options });
  h.sockets = sockets;
  h.frames = []; // every frame received, as text
  h.away = false;
  h.drop = () => sockets.forEach((ws) => ws.terminate()); // no close frame
  hubs.push(h);
  return h;
}

/**
 * Collects what a signal's listener receives, as {seq, payload}; until(n)
 * waits until the listener has had n calls, last(seq) until it had seq.
 */
function collect(signal) {
  const got = [];
  let wake = () => {};
  signal.addListener((payload) => {
    got.push({ seq: signal.seq, payload });
    wake();
  }, 'collect');
  const wait = (done) =>
    new Promise((resolve) => {
      wake = () => done() && resolve();
      wake();
    });
  return {
    got,
    until: (n) => wait(() => got.length >= n),
    last: (seq) => wait(() => got.at(-1)?.seq >= seq),
    seqs: () => got.map((g) => g.seq),
    payloads: () => got.map((g) => g.payload),
  };
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('two clients share a signal: tryEmit resolves with the stored seq, listeners get every event in order', T, async () => {
  const a = client().signal('shared');
  const b = client().signal('shared');
  const gotA = collect(a);
  const gotB = collect(b);
  assert.equal(a.size, 1);
  assert.deepEqual(a.keys(), ['collect']);
  const seqs = await Promise.all(range(1, 20).map((i) => b.tryEmit({ i })));
  assert.deepEqual(seqs, range(1, 20));
  a.emit({ i: 21 });
  await gotA.until(21);
  await gotB.until(21);
  assert.deepEqual(gotA.seqs(), range(1, 21));
  assert.deepEqual(gotA.payloads().map((p) => p.i), range(1, 21));
  assert.deepEqual(gotB.got, gotA.got);
  // addOnce runs once; removeListener stops a listener.
  const once = [];
  a.addOnce((p) => once.push(p));
  assert.equal(a.removeListener('collect'), 1);
  await b.tryEmit({ i: 22 });
  await b.tryEmit({ i: 23 });
  await gotB.until(23);
  assert.deepEqual(once, [{ i: 22 }]);
  assert.equal(gotA.got.length, 21);
});

test('a dropped socket reconnects by itself and resumes: nothing lost or repeated', T, async () => {
  const subHub = client();
  const sub = subHub.signal('drops');
  const pub = client().signal('drops');
  const got = collect(sub);
  await pub.tryEmit({ i: 1 });
  await got.until(1);
  const emitting = (async () => {
    for (let i = 2; i <= 200; i++) await pub.tryEmit({ i });
  })();
  for (let n = 0; n < 3; n++) {
    await got.until(got.got.length + 20);
    subHub.drop();
  }
  await emitting;
  await got.until(200);
  assert.deepEqual(got.payloads().map((p) => p.i), range(1, 200));
  assert.deepEqual(got.seqs(), range(1, 200));
  assert.ok(subHub.sockets.length >= 4, 'it reconnected after each drop');
});

test('a quiet socket whose pings are answered stays open', T, async () => {
  const h = client('/hub/', { pingEvery: 20 });
  const quiet = h.signal('quiet');
  await quiet.tryEmit({ n: 1 }); // connected; then nothing but pings
  const pongs = () => h.frames.filter((f) => f === 'pong').length;
  while (pongs() < 4) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(h.sockets.length, 1, 'the socket was reopened although every ping was answered');
  assert.ok(quiet.connected);
});

test('workerd killed and restarted: clients reconnect, resume, and emits made meanwhile are stored', T, async () => {
  const sub = client().signal('restarts');
  const pub = client().signal('restarts');
  const got = collect(sub);
  for (let i = 1; i <= 5; i++) await pub.tryEmit({ i });
  await got.until(5);
  await hub.restart();
  // Queued while the hub is away; sent once the socket is back.
  const seqs = await Promise.all([6, 7, 8].map((i) => pub.tryEmit({ i })));
  assert.deepEqual(seqs, [6, 7, 8]);
  await got.until(8);
  assert.deepEqual(got.payloads().map((p) => p.i), range(1, 8));
});

test('a client that was away longer than the log covers is told of the gap', T, async () => {
  const gaps = [];
  const subHub = client('/small/', { onGap: (gap) => gaps.push(gap) });
  const sub = subHub.signal('away');
  const pub = client('/small/').signal('away');
  const got = collect(sub);
  await pub.tryEmit({ i: 1 });
  await got.until(1);
  // Keep the subscriber away: its reconnects fail meanwhile.
  subHub.away = true;
  subHub.drop();
  for (let i = 2; i <= 12; i++) await pub.tryEmit({ i }); // the small hub keeps 5
  subHub.away = false;
  await got.last(12);
  assert.deepEqual(gaps, [{ signal: 'away', from: 2, to: 8 }]);
  assert.deepEqual(got.seqs(), [1, 8, 9, 10, 11, 12]);
});

test('a slow listener overflows its window and the client catches up by itself, in order', T, async () => {
  // The small hub's window is 8; this listener holds event 2 for 500 ms,
  // while the 38 after it arrive, and the others for 5 ms each.
  const subHub = client('/small/');
  const sub = subHub.signal('slow');
  const pub = client('/small/').signal('slow');
  const got = collect(sub);
  sub.addListener(({ i }) => {
    const end = performance.now() + (i === 2 ? 500 : 5);
    while (performance.now() < end);
  }, 'slow');
  await pub.tryEmit({ i: 1 });
  await got.until(1);
  for (let i = 2; i <= 40; i++) pub.emit({ i });
  await got.last(40);
  // Only 5 events are kept: depending on how far behind it fell, the
  // client may be told of a gap; it never gets an event twice or out of order.
  const seqs = got.seqs();
  assert.deepEqual(seqs, [...new Set(seqs)].sort((x, y) => x - y));
  assert.ok(subHub.frames.some((f) => f.startsWith('{"t":"overflow"')), 'it overflowed');
});

test('bad input: a TypeError for what is not JSON, a HubError for an event over the limit; the signal goes on', T, async () => {
  const h = client('/small/');
  const s = h.signal('input');
  await assert.rejects(s.tryEmit(undefined), TypeError);
  const cyclic = {};
  cyclic.self = cyclic;
  await assert.rejects(s.tryEmit(cyclic), TypeError);
  await assert.rejects(s.tryEmit(10n), TypeError);
  await assert.rejects(s.tryEmit(1, { timeout: -1 }), TypeError);
  const aborted = AbortSignal.abort(new Error('stop'));
  await assert.rejects(s.tryEmit(1, { signal: aborted }), /stop/);
  // Over the small hub's 1,024 bytes: the hub closes the socket (1009).
  await assert.rejects(s.tryEmit('x'.repeat(2000)), (error) => error instanceof HubError && error.code === 'too-large');
  assert.equal(typeof (await s.tryEmit({ ok: true })), 'number', 'the next emit reconnects and is stored');
  assert.throws(() => h.signal('no spaces'), TypeError);
  assert.throws(() => connect('ftp://x/', { WebSocket }), TypeError);
  if (globalThis.WebSocket === undefined) {
    assert.throws(() => connect('http://127.0.0.1/'), /pass options.WebSocket/); // Node 20
  }
  h.close();
  await assert.rejects(s.tryEmit(1), (error) => error instanceof HubError && error.code === 'closed');
});

test('in a Worker: the client (globalThis.WebSocket of workerd) emits and resolves with the seq', T, async () => {
  const sub = client().signal('from-worker');
  const got = collect(sub);
  await sub.tryEmit({ from: 'node' });
  const response = await fetch(hub.url + '/client?signal=from-worker', { method: 'POST', body: JSON.stringify({ from: 'worker' }) });
  assert.deepEqual(await response.json(), { seq: 2 });
  await got.until(2);
  assert.deepEqual(got.payloads(), [{ from: 'node' }, { from: 'worker' }]);
});
