// The hub across real hibernation: workerd puts an idle Durable Object to
// sleep after about ten seconds, keeping its WebSockets open. This waits for
// that (pings, answered by the runtime, do not wake the object), so it is a
// file of its own and runs beside the other edge tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHub, open } from './hubd.js';

let hub;
before(async () => {
  hub = await startHub();
});
after(async () => {
  await hub.stop();
});

const state = (path) => fetch(hub.url + path).then((r) => r.json());

test('a hibernated hub keeps its sockets, subscriptions and seq; pings do not wake it; old events age out', { timeout: 120_000 }, async () => {
  // SmallHub keeps events for 3 s.
  const subs = await Promise.all([1, 2].map(() => open(hub.ws + '/small/sleepy')));
  const emitter = await open(hub.ws + '/small/sleepy?subscribe=0');
  for (let i = 1; i <= 3; i++) await emitter.emit({ i });
  const before = await state('/small/sleepy');
  assert.equal(before.subscribers, 2);
  // Idle but for pings, past the hibernation timeout.
  for (let i = 0; i < 7; i++) {
    await sleep(2000);
    subs[0].ws.send('ping');
  }
  await subs[0].until(() => subs[0].frames.filter((f) => f === 'pong').length === 7);
  assert.equal(await emitter.emit({ i: 4 }), 4);
  const woken = await state('/small/sleepy');
  assert.ok(woken.up < 14_000 - before.up, `the object was not woken anew (up ${woken.up} ms, ${before.up} ms before)`);
  assert.equal(woken.subscribers, 2);
  for (const s of subs) {
    await s.until(() => s.events().length === 4);
    assert.deepEqual(s.events().map((e) => e.seq), [1, 2, 3, 4]);
  }
  // Events 1-3 are older than the log keeps: a resume from 0 gets a gap.
  const late = await open(hub.ws + '/small/sleepy?after=0');
  await late.until(() => late.events().length === 1);
  assert.deepEqual(late.frames.slice(1), [{ t: 'gap', from: 1, to: 4 }, { t: 'event', seq: 4, data: { i: 4 } }]);
  for (const s of [...subs, emitter, late]) s.ws.terminate();
});
