// Hub rules written in Go (worker/internal/testrules, worker.ServeHubRules)
// running inside the hub's Durable Object in workerd: who may connect, what
// an event must be, events rewritten by a rule, a panicking rule refusing
// only its own event, and the rules' Go runtime started again after an
// eviction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect, HubError } from '../../web/src/hub.js';
import { startHub, open } from './hubd.js';

const T = { timeout: 60_000 }; // a hang guard, not a speed check
let hub;
const sockets = [];

before(async () => {
  hub = await startHub();
});

after(async () => {
  for (const s of sockets) s.ws.terminate();
  await hub.stop();
});

async function connectRaw(path) {
  const client = await open(hub.ws + path);
  sockets.push(client);
  return client;
}

test('a connection the rules refuse is closed with 1008 and their reason', T, async () => {
  const refused = await connectRaw('/ruled/private');
  assert.deepEqual(await refused.closed, { code: 1008, reason: 'signals: listener "admit": private: a token is needed' });
  const admitted = await connectRaw('/ruled/private?token=secret');
  await admitted.until(() => admitted.frames[0]?.t === 'hello');
  // The npm client: the signal closes, and its emits reject with the refusal.
  const h = connect(hub.url + '/ruled/', { WebSocket, onError: () => {} });
  const refusal = await h.signal('private').tryEmit({ n: 1 }).catch((e) => e);
  assert.ok(refusal instanceof HubError, String(refusal));
  assert.equal(refusal.code, 'refused');
  assert.match(refusal.message, /a token is needed/);
  h.close();
});

test('events are checked and rewritten by the rules; refused ones get a nack and are not stored', T, async () => {
  const sub = await connectRaw('/ruled/rules');
  const emitter = await connectRaw('/ruled/rules?subscribe=0&user=ada');
  assert.equal(await emitter.emit({ n: 1 }), 1);
  emitter.ws.send(JSON.stringify({ t: 'emit', id: 99, data: { n: -1 } }));
  const nack = await emitter.until(() => emitter.frames.find((f) => f.id === 99));
  assert.deepEqual(nack, { t: 'nack', id: 99, error: 'signals: listener "check-event": rules: n must be a number >= 0' });
  assert.equal(await emitter.emit({ n: 2 }), 2, 'a refused event takes no seq');
  await sub.until(() => sub.events().length === 2);
  assert.deepEqual(sub.events(), [
    { t: 'event', seq: 1, data: { n: 1, by: 'ada' } },
    { t: 'event', seq: 2, data: { n: 2, by: 'ada' } },
  ]);
  // POST goes through the same rules.
  const post = (body) => fetch(hub.url + '/ruled/rules?user=bob', { method: 'POST', body: JSON.stringify(body) });
  assert.deepEqual(await (await post({ n: 3 })).json(), { seq: 3 });
  const refused = await post({ n: 'x' });
  assert.equal(refused.status, 403);
  assert.match((await refused.json()).error, /n must be a number/);
  await sub.until(() => sub.events().length === 3);
  assert.deepEqual(sub.events()[2].data, { n: 3, by: 'bob' });
  // Signals without a rule of their own pass unchanged.
  const other = await connectRaw('/ruled/other?subscribe=0');
  assert.equal(await other.emit({ anything: true }), 1);
});

test('a rule that panics refuses that one event; the next events and the neighbours go on', T, async () => {
  const sub = await connectRaw('/ruled/panics');
  const emitter = await connectRaw('/ruled/panics?subscribe=0&user=cy');
  // "panics" has no event rule of its own: use the rules signal's, through a
  // second socket on "rules".
  const ruled = await connectRaw('/ruled/rules?subscribe=0&user=cy');
  ruled.ws.send(JSON.stringify({ t: 'emit', id: 7, data: { panic: true } }));
  const nack = await ruled.until(() => ruled.frames.find((f) => f.id === 7));
  assert.deepEqual(nack, { t: 'nack', id: 7, error: 'worker: hub rule "check-event" failed' });
  const seq = await ruled.emit({ n: 5 });
  assert.ok(seq > 0, 'the rules still run after a panic');
  assert.equal(await emitter.emit({ n: 1 }), 1);
  await sub.until(() => sub.events().length === 1);
});

test('after an eviction the rules start again in a new Go runtime', T, async () => {
  const sub = await connectRaw('/ruled/rules');
  const emitter = await connectRaw('/ruled/rules?subscribe=0&user=dee');
  const before = await emitter.emit({ n: 10 });
  assert.equal(await fetch(hub.url + '/evict').then((r) => r.text()), 'evicted');
  // The socket's identity survived in its attachment.
  assert.equal(await emitter.emit({ n: 11 }), before + 1);
  emitter.ws.send(JSON.stringify({ t: 'emit', id: 50, data: { n: -5 } }));
  await emitter.until(() => emitter.frames.find((f) => f.t === 'nack' && f.id === 50));
  await sub.until(() => sub.events().length === 2);
  assert.deepEqual(sub.events().map((e) => e.data), [{ n: 10, by: 'dee' }, { n: 11, by: 'dee' }]);
});
