// The signal hub (worker/js/hub.mjs) in real workerd with on-disk storage,
// spoken to in its raw protocol (docs/hub.md): ordered delivery, acks after
// storage, resume, discontinuity, overflow, bad frames, eviction,
// hibernation, and workerd killed and restarted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, open } from './hubd.js';

let hub;
// A hang guard, not a speed check: a lost frame would otherwise wait forever.
const T = { timeout: 60_000 };
const sockets = [];

before(async () => {
  hub = await startHub();
});

after(async () => {
  for (const s of sockets) s.ws.terminate();
  const { code, signal } = await hub.stop();
  assert.equal(signal, 'SIGKILL', `workerd exited on its own (code ${code})`);
});

/** Opens a socket on signal name (path under the Worker, e.g. "/hub/x?after=0"). */
async function connect(path, options) {
  const client = await open(hub.ws + path, options);
  sockets.push(client);
  return client;
}

const seqs = (client) => client.events().map((e) => e.seq);
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const state = (path) => fetch(hub.url + path).then((r) => r.json());

async function post(path, data) {
  const response = await fetch(hub.url + path, { method: 'POST', body: JSON.stringify(data) });
  return [response.status, await response.json()];
}

test('events reach every subscriber once, in seq order; an emit is acked with its seq', T, async () => {
  const subs = await Promise.all([1, 2, 3].map(() => connect('/hub/order-flow')));
  for (const s of subs) {
    assert.deepEqual(s.frames[0], { t: 'hello', seq: 0, first: 1, window: 1000, max: 65536 });
  }
  const emitter = await connect('/hub/order-flow?subscribe=0');
  // Emits in flight together are stored and delivered in the order sent.
  const acked = await Promise.all(range(1, 50).map((i) => emitter.emit({ n: i })));
  assert.deepEqual(acked, range(1, 50));
  for (const s of subs) {
    await s.until(() => s.events().length >= 50);
    assert.deepEqual(seqs(s), range(1, 50));
    assert.deepEqual(s.events().map((e) => e.data.n), range(1, 50));
  }
  assert.equal(emitter.events().length, 0, 'an emit-only socket gets no events');
  // POST emits too, with the next seq; GET reads the state.
  assert.deepEqual(await post('/hub/order-flow', { n: 51 }), [200, { seq: 51 }]);
  await subs[0].until(() => subs[0].events().length === 51);
  const { up, ...rest } = await state('/hub/order-flow');
  assert.deepEqual(rest, { seq: 51, first: 1, subscribers: 3 });
  assert.ok(up >= 0);
});

test('a ping is answered with pong, and permessage-deflate is off even when offered', T, async () => {
  const s = await connect('/hub/pings', { deflate: true });
  assert.equal(s.ws.extensions, '');
  s.ws.send('ping');
  await s.until(() => s.frames.includes('pong'));
});

test('a client dropped mid-stream resumes after its last seq with nothing lost or repeated', T, async () => {
  const emitter = await connect('/hub/resume?subscribe=0');
  let dropped = await connect('/hub/resume');
  let emitted = 0;
  const emitting = (async () => {
    for (let i = 0; i < 300; i++) emitted = await emitter.emit({ i });
  })();
  await dropped.until(() => dropped.events().length >= 40);
  dropped.ws.terminate(); // no close frame: the hub sees the socket drop
  const last = seqs(dropped).at(-1);
  const resumed = await connect(`/hub/resume?after=${last}`);
  await emitting;
  await resumed.until(() => resumed.events().at(-1)?.seq === emitted);
  assert.deepEqual([...seqs(dropped), ...seqs(resumed)], range(1, 300));
  assert.deepEqual(resumed.events().map((e) => e.data.i), range(last, 299));
});

test('a resume the log no longer covers gets a gap frame first, then the oldest stored event on', T, async () => {
  // SmallHub keeps 5 events.
  const emitter = await connect('/small/gap?subscribe=0');
  for (let i = 1; i <= 12; i++) await emitter.emit({ i });
  const late = await connect('/small/gap?after=2');
  await late.until(() => late.events().length === 5);
  assert.deepEqual(late.frames.slice(0, 2), [
    { t: 'hello', seq: 12, first: 8, window: 8, max: 1024 },
    { t: 'gap', from: 3, to: 8 },
  ]);
  assert.deepEqual(seqs(late), [8, 9, 10, 11, 12]);
  // Covered by the log: no gap.
  const near = await connect('/small/gap?after=9');
  await near.until(() => near.events().length === 3);
  assert.equal(near.frames.filter((f) => f.t === 'gap').length, 0);
  assert.deepEqual(seqs(near), [10, 11, 12]);
});

test('a subscriber that stops acknowledging overflows, is told, and catches up from the log as it acknowledges', T, async () => {
  // SmallHub: window 8, log 5.
  const slow = await connect('/small/overflow');
  const fast = await connect('/small/overflow');
  const emitter = await connect('/small/overflow?subscribe=0');
  for (let i = 1; i <= 10; i++) {
    await emitter.emit({ i });
    fast.got();
  }
  await fast.until(() => fast.events().length === 10);
  await slow.until(() => slow.frames.some((f) => f.t === 'overflow'));
  assert.deepEqual(seqs(slow), range(1, 8));
  assert.deepEqual(slow.frames.at(-1), { t: 'overflow', seq: 8 });
  assert.deepEqual(seqs(fast), range(1, 10), 'a neighbour that acknowledges is not held back');
  // Acknowledging what it has: the missed events come from the log.
  slow.got();
  await slow.until(() => slow.events().length === 10);
  assert.deepEqual(seqs(slow), range(1, 10));
  // Live again: the next event comes straight away.
  await emitter.emit({ i: 11 });
  await slow.until(() => slow.events().length === 11);
  // Falling behind further than the log: a gap, then the log.
  for (let i = 12; i <= 30; i++) {
    await emitter.emit({ i });
    fast.got();
  }
  slow.got();
  await slow.until(() => slow.events().at(-1)?.seq === 30);
  const gap = slow.frames.find((f) => f.t === 'gap');
  assert.ok(gap, 'a gap frame');
  const after = slow.frames.slice(slow.frames.indexOf(gap) + 1).filter((f) => f.t === 'event').map((f) => f.seq);
  assert.deepEqual(after, range(gap.to, 30));
  assert.equal(seqs(slow).length, new Set(seqs(slow)).size, 'no event twice');
});

test('bad frames close their socket with a clear code; neighbours go on', T, async () => {
  const neighbour = await connect('/small/bad');
  const emitter = await connect('/small/bad?subscribe=0');
  const cases = [
    [(ws) => ws.send(Buffer.from([1, 2, 3])), 1003, 'hub: binary frames are not accepted'],
    [(ws) => ws.send('{not json'), 1007, 'hub: a frame is a JSON object'],
    [(ws) => ws.send('[1,2]'), 1007, 'hub: unknown frame type; expected "emit" or "got"'],
    [(ws) => ws.send(JSON.stringify({ t: 'emit', id: 'x', data: 1 })), 1007, 'hub: emit needs a whole-number id and data'],
    [(ws) => ws.send(JSON.stringify({ t: 'emit', id: 1, data: 'x'.repeat(2000) })), 1009, 'hub: a frame is at most 1024 bytes'],
    // 2 MiB: past workerd's own limit for a message too.
    [(ws) => ws.send('x'.repeat(2 << 20)), 1009, null],
  ];
  let n = 0;
  for (const [send, code, reason] of cases) {
    const bad = await connect('/small/bad');
    send(bad.ws);
    const closed = await bad.closed;
    assert.equal(closed.code, code, `case ${cases.indexOf(cases.find((c) => c[0] === send))}: ${closed.reason}`);
    if (reason !== null) assert.equal(closed.reason, reason);
    await emitter.emit({ n: ++n });
    await neighbour.until(() => neighbour.events().length === n);
  }
  assert.deepEqual(seqs(neighbour), range(1, cases.length));
  assert.deepEqual(await post('/small/bad', 'y'.repeat(2000)).then(([s]) => s), 413);
  const response = await fetch(hub.url + '/small/bad', { method: 'POST', body: '{oops' });
  assert.equal(response.status, 400);
  assert.equal((await fetch(hub.url + '/hub/no%20spaces')).status, 400);
});

test("a Worker's emitJSON through the stub: stored with the next seq, or refused as a POST would be", T, async () => {
  const sub = await connect('/small/rpc');
  const rpc = (body, query = '') =>
    fetch(hub.url + '/rpc/rpc' + query, { method: 'POST', body }).then((r) => r.json());
  assert.deepEqual(await rpc('{"n":1}'), { seq: 1 });
  assert.deepEqual(await post('/small/rpc', { n: 2 }), [200, { seq: 2 }]);
  await sub.until(() => sub.events().length === 2);
  assert.deepEqual(sub.events().map((e) => e.data), [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(await rpc(JSON.stringify('y'.repeat(2000))), { status: 413, error: 'hub: the event exceeds 1024 bytes' });
  assert.deepEqual(await rpc('{oops'), { status: 400, error: 'hub: the body must be JSON' });
  const badName = { status: 400, error: 'hub: emitJSON takes a signal name and the event as JSON text' };
  assert.deepEqual(await rpc('{}', '?name=7'), badName);
  assert.deepEqual(await rpc('{}', '?name=' + encodeURIComponent('"no spaces"')), badName);
  assert.deepEqual(await rpc('{}', '?name=' + encodeURIComponent('"other"')), {
    status: 400,
    error: 'hub: emitJSON names "other", but this is the object of "rpc"',
  });
  assert.deepEqual(await rpc('{"n":3}'), { seq: 3 }, 'refusals take no seq');
  await sub.until(() => sub.events().length === 3);
});

test('forced eviction keeps the sockets, their subscriptions and the seq', T, async () => {
  const subs = await Promise.all([1, 2].map(() => connect('/hub/evicted')));
  const emitter = await connect('/hub/evicted?subscribe=0');
  for (let i = 1; i <= 5; i++) await emitter.emit({ i });
  assert.equal(await fetch(hub.url + '/evict').then((r) => r.text()), 'evicted');
  assert.equal(await emitter.emit({ i: 6 }), 6);
  for (const s of subs) {
    await s.until(() => s.events().length === 6);
    assert.deepEqual(seqs(s), range(1, 6));
  }
  assert.equal((await state('/hub/evicted')).subscribers, 2);
});

test('workerd killed and restarted: the seq goes on, and clients resume from their last seq', T, async () => {
  const sub = await connect('/hub/restart');
  const emitter = await connect('/hub/restart?subscribe=0');
  for (let i = 1; i <= 20; i++) await emitter.emit({ i });
  await sub.until(() => sub.events().length === 20);
  assert.equal(await hub.restart(), 'SIGKILL');
  await sub.closed;
  // What was stored before the kill is there: the next emit is 21.
  assert.deepEqual(await post('/hub/restart', { i: 21 }), [200, { seq: 21 }]);
  const resumed = await connect(`/hub/restart?after=${seqs(sub).at(-1)}`);
  await resumed.until(() => resumed.events().length === 1);
  assert.deepEqual([...seqs(sub), ...seqs(resumed)], range(1, 21));
});
