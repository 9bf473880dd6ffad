// Runs the hub tests' Worker (hub-worker.mjs with worker/js/hub.mjs) in
// workerd with its Durable Objects stored on disk in a fresh folder, and
// gives the tests a small client of the raw hub protocol (docs/hub.md).
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startWorkerd } from './workerd.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Starts workerd with the hub Worker; restart() kills it (SIGKILL) and
 * starts it again on the same port and storage.
 */
export async function startHub() {
  const dir = mkdtempSync(join(tmpdir(), 'hub-'));
  cpSync(here('../js/hub.mjs'), join(dir, 'hub.mjs'));
  cpSync(here('hub-worker.mjs'), join(dir, 'hub-worker.mjs'));
  cpSync(here('testrules.wasm'), join(dir, 'testrules.wasm'));
  cpSync(here('../js/worker.mjs'), join(dir, 'worker.mjs'));
  cpSync(here('../example/build/wasm_exec.js'), join(dir, 'wasm_exec.js')); // Go's, from make worker
  mkdirSync(join(dir, 'client'));
  for (const file of ['hub.js', 'signal.js']) cpSync(here(`../../web/src/${file}`), join(dir, 'client', file));
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "hub", worker = .hub),
    (name = "storage", disk = (path = "${join(dir, 'storage')}", writable = true)),
    # The client test's Worker connects to this Worker's own loopback address.
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "hub")],
);
const hub :Workerd.Worker = (
  modules = [
    (name = "hub-worker.mjs", esModule = embed "hub-worker.mjs"),
    (name = "hub.mjs", esModule = embed "hub.mjs"),
    (name = "client/hub.js", esModule = embed "client/hub.js"),
    (name = "client/signal.js", esModule = embed "client/signal.js"),
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "wasm_exec.js", esModule = embed "wasm_exec.js"),
    (name = "testrules.wasm", wasm = embed "testrules.wasm"),
  ],
  globalOutbound = "loopback",
  compatibilityDate = "2026-11-01",
  compatibilityFlags = ["unsafe_module"],
  durableObjectNamespaces = [
    (className = "SignalHub", uniqueKey = "edgesignals-hub", enableSql = true),
    (className = "SmallHub", uniqueKey = "edgesignals-small-hub", enableSql = true),
    (className = "RuledHub", uniqueKey = "edgesignals-ruled-hub", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "storage"),
  bindings = [(name = "HUB", durableObjectNamespace = "SignalHub"), (name = "SMALL", durableObjectNamespace = "SmallHub"),
    (name = "RULED", durableObjectNamespace = "RuledHub"),
  ],
);
`,
  );
  mkdirSync(join(dir, 'storage'));
  const options = { path: '/hub/health', args: ['--experimental'] };
  let workerd = await startWorkerd(join(dir, 'config.capnp'), ['http'], options);
  const url = workerd.urls.http;
  const port = Number(new URL(url).port);
  return {
    url,
    ws: url.replace('http:', 'ws:'),
    stop: () => workerd.stop(),
    async restart() {
      const { signal } = await workerd.stop();
      workerd = await startWorkerd(join(dir, 'config.capnp'), ['http'], { ...options, ports: { http: port } });
      return signal;
    },
  };
}

/**
 * A socket speaking the raw hub protocol, resolved once its first frame (the
 * hello) came or it closed. frames holds every frame received,
 * in order (JSON frames parsed); until(test) resolves with the first truthy
 * value test() returns, checked now and after every frame, and rejects if the
 * socket closes first.
 */
export async function open(url, { deflate = false } = {}) {
  const ws = new WebSocket(url, { perMessageDeflate: deflate });
  const checks = new Set();
  const client = { ws, frames: [], ids: 0 };
  const wake = () => checks.forEach((check) => check());
  ws.on('message', (data, binary) => {
    const text = String(data);
    client.frames.push(binary || text === 'pong' ? text : JSON.parse(text));
    wake();
  });
  client.closed = new Promise((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      wake();
    }),
  );
  // Ready once the hub said hello, its first frame on every socket, or
  // closed the socket (a refusal). 'open' alone is too early: the hello may
  // come in a later read than the 101 response.
  await new Promise((resolve, reject) => {
    ws.once('message', resolve);
    ws.once('close', resolve);
    ws.once('error', reject);
  });
  client.until = (test, label = 'a frame') =>
    new Promise((resolve, reject) => {
      const check = () => {
        const value = test();
        if (value) {
          checks.delete(check);
          resolve(value);
        } else if (ws.readyState >= WebSocket.CLOSING) {
          checks.delete(check);
          reject(new Error(`socket closed while waiting for ${label}; frames: ${JSON.stringify(client.frames)}`));
        }
      };
      checks.add(check);
      check();
    });
  /** The event frames received, in order. */
  client.events = () => client.frames.filter((f) => f.t === 'event');
  /** Emits data; resolves with the seq of its ack. */
  client.emit = (data) => {
    const id = ++client.ids;
    ws.send(JSON.stringify({ t: 'emit', id, data }));
    return client.until(() => client.frames.find((f) => f.t === 'ack' && f.id === id), `ack ${id}`).then((f) => f.seq);
  };
  /** Acknowledges every event received so far. */
  client.got = () => {
    const events = client.events();
    ws.send(JSON.stringify({ t: 'got', seq: events.at(-1)?.seq ?? 0 }));
  };
  return client;
}
