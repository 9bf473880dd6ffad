// The signal hub: a Durable Object class that carries the events of one
// signal to its subscribers over WebSockets, numbered, stored and resumable.
// docs/hub.md is the protocol; this file follows it.
//
// A Worker binds it with three lines of its own:
//
//   export { SignalHub } from "./hub.mjs";
//   import { routeHub } from "./hub.mjs";
//   ...in fetch: return routeHub(request, env.HUB) ?? otherwise(request);
//
// and a Durable Object namespace with SQLite storage for SignalHub (the
// build command writes it; see docs/hub.md).
//
// One object per signal name. Everything it keeps across hibernation and
// eviction is in SQLite (the last seq and the replay log) or in the sockets'
// attachments (what each subscriber was sent); the rest is rebuilt on wake.
import { DurableObject } from "cloudflare:workers";
import { ownGlobal } from "./worker.mjs"; // and wasm_exec.js, which it imports: Go, for the rules

/** Defaults of SignalHub.options; a subclass may override any of them. */
export const HUB_DEFAULTS = Object.freeze({
  // The replay log keeps at most this many events...
  logCount: 1000,
  // ...and none older than this (milliseconds).
  logAgeMs: 5 * 60_000,
  // Events a subscriber may have received but not yet acknowledged ("got")
  // before it overflows and is fed from the log instead.
  window: 1000,
  // The largest client frame, in UTF-8 bytes.
  maxMessageBytes: 64 * 1024,
  // The hub's rules: a WebAssembly.Module of a Go program that calls
  // worker.ServeHubRules, or null for none (then Go never starts).
  rules: null,
});

// Close codes (RFC 6455 7.4.1). 1005, 1006 and 1015 cannot be sent.
const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED = 1003; // a binary frame
const CLOSE_MALFORMED = 1007; // not a hub frame
const CLOSE_POLICY = 1008; // refused by the hub's rules
const CLOSE_TOO_BIG = 1009;

// Kinds of action the rules see (worker.HubActionKind).
const CONNECT = 1;
const EMIT = 2;

// Signal names: what routeHub accepts after its prefix.
const NAME = /^[A-Za-z0-9._:-]{1,128}$/;

const utf8 = new TextEncoder();

/**
 * Routes requests under prefix to the hub object of the signal named by the
 * rest of the path: GET with "Upgrade: websocket" connects, POST emits, GET
 * reads the signal's state. Returns undefined for other paths, and a 400
 * response for a bad signal name.
 * @param {Request} request
 * @param {DurableObjectNamespace} namespace the binding of SignalHub
 * @param {string} [prefix="/hub/"]
 * @returns {Promise<Response> | Response | undefined}
 */
export function routeHub(request, namespace, prefix = "/hub/") {
  const url = new URL(request.url);
  if (!url.pathname.startsWith(prefix)) return undefined;
  let name;
  try {
    name = decodeURIComponent(url.pathname.slice(prefix.length));
  } catch {
    name = "";
  }
  if (!NAME.test(name)) {
    return Response.json(
      { error: "hub: a signal name is 1 to 128 characters of A-Z a-z 0-9 . _ : -" },
      { status: 400 },
    );
  }
  return namespace.getByName(name).fetch(request);
}

/** The hub object of one signal. */
export class SignalHub extends DurableObject {
  /** Overrides of HUB_DEFAULTS, for subclasses. */
  static options = {};

  constructor(ctx, env) {
    super(ctx, env);
    this.options = { ...HUB_DEFAULTS, ...this.constructor.options };
    this.sql = ctx.storage.sql;
    // hub_meta holds 'seq' (the last seq) and 'name' (the signal's name).
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS hub_events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, data TEXT NOT NULL);
       CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value NOT NULL);`,
    );
    const meta = Object.fromEntries(this.sql.exec("SELECT key, value FROM hub_meta").toArray().map((r) => [r.key, r.value]));
    // The seq of the last stored event; 0 before the first.
    this.head = meta.seq ?? 0;
    this.name = meta.name ?? "";
    this.rules = this.options.rules ? new Rules(this.options.rules) : null;
    this.agedAt = 0; // when the log was last trimmed by age
    this.startedAt = Date.now(); // this constructor's run: a wake from hibernation or eviction runs it again
    // Subscribers' delivery state, rebuilt from the attachments after a
    // wake: see Subscriber.
    this.subscribers = new Map();
    for (const ws of ctx.getWebSockets("sub")) this.subscribers.set(ws, Subscriber.restore(ws, this.head));
    // Pings are answered by the runtime, without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request) {
    const url = new URL(request.url);
    // The signal's name is the last segment of the path that reached the
    // object (routeHub's /hub/<name>, or a stub's URL).
    this.named(decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf("/") + 1)));
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return this.connect(url);
    if (request.method === "POST") return this.post(request);
    if (request.method === "GET") {
      const up = Date.now() - this.startedAt;
      return Response.json({ seq: this.head, first: this.first(), subscribers: this.subscribers.size, up });
    }
    return Response.json({ error: "hub: use GET, POST or a WebSocket upgrade" }, { status: 405 });
  }

  // A WebSocket: ?after=N resumes after seq N, no "after" starts at the
  // head, ?subscribe=0 only emits.
  connect(url) {
    const subscribe = url.searchParams.get("subscribe") !== "0";
    const check = this.check(CONNECT, url.search.slice(1), "", null);
    let after = this.head;
    const resume = url.searchParams.get("after");
    if (subscribe && resume !== null) {
      after = Number(resume);
      if (!Number.isSafeInteger(after) || after < 0) {
        return Response.json({ error: "hub: after must be a whole number >= 0" }, { status: 400 });
      }
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const upgraded = () =>
      new Response(null, {
        status: 101,
        webSocket: client,
        // Workers negotiates permessage-deflate when the client offers it;
        // compressing each small frame costs more than it saves and gave
        // the fan-out a long latency tail. Any other value turns it off.
        headers: { "Sec-WebSocket-Extensions": "identity" },
      });
    if (!check.ok) {
      // Refused by the rules: a browser cannot read an HTTP refusal of a
      // WebSocket, but it can read a close reason.
      server.accept();
      server.close(CLOSE_POLICY, closeReason(check.reason));
      return upgraded();
    }
    this.ctx.acceptWebSocket(server, subscribe ? ["sub"] : []);
    const { window, maxMessageBytes } = this.options;
    server.send(JSON.stringify({ t: "hello", seq: this.head, first: this.first(), window, max: maxMessageBytes }));
    if (subscribe) {
      // A client that saw more than the hub has (a hub whose storage was
      // lost) starts again at the head; the hello's seq below its own
      // tells it so.
      const sub = new Subscriber(Math.min(after, this.head), check.identity);
      this.subscribers.set(server, sub);
      this.pump(server, sub);
    } else {
      server.serializeAttachment({ sub: false, identity: check.identity });
    }
    return upgraded();
  }

  // POST: the body is one event's data, as JSON; answers {seq} once stored.
  async post(request) {
    const { seq, status, error } = this.accept(new URL(request.url).search.slice(1), await request.text());
    if (error !== undefined) return Response.json({ error }, { status });
    return Response.json({ seq });
  }

  /**
   * Emits an event on signal name for a Worker that holds this object's
   * stub (Go's worker.Hub): a call, without the Request and Response a
   * POST costs on both sides. json is the event's data as JSON text.
   * Resolves with {seq} once stored, or with {status, error} where a POST
   * would be refused with that status.
   * @param {string} name
   * @param {string} json
   * @returns {Promise<{seq: number} | {status: number, error: string}>}
   */
  async emitJSON(name, json) {
    if (typeof name !== "string" || !NAME.test(name) || typeof json !== "string") {
      return { status: 400, error: "hub: emitJSON takes a signal name and the event as JSON text" };
    }
    // The name must be the one the stub was got by (getByName, idFromName):
    // a different one would name this object after another signal.
    const own = this.ctx.id.name ?? (this.name || name);
    if (name !== own) return { status: 400, error: `hub: emitJSON names "${name}", but this is the object of "${own}"` };
    this.named(name);
    return this.accept("", json);
  }

  // An emit by POST or emitJSON: checks text (the event's data, as JSON)
  // and the rules (query: the request's, for the connect rule), and stores
  // it. Returns {seq} or {status, error}.
  accept(query, text) {
    const max = this.options.maxMessageBytes;
    // A string's UTF-8 length is at most 3 bytes a unit: encode only when
    // that bound passes the limit.
    if (text.length * 3 > max && utf8.encode(text).byteLength > max) {
      return { status: 413, error: `hub: the event exceeds ${max} bytes` };
    }
    try {
      JSON.parse(text);
    } catch {
      return { status: 400, error: "hub: the body must be JSON" };
    }
    const connect = this.check(CONNECT, query, "", null);
    const check = connect.ok ? this.check(EMIT, "", connect.identity, text) : connect;
    if (!check.ok) return { status: 403, error: check.reason };
    return { seq: this.emit(check.data) };
  }

  async webSocketMessage(ws, message) {
    if (typeof message !== "string") {
      return ws.close(CLOSE_UNSUPPORTED, "hub: binary frames are not accepted");
    }
    // A string's UTF-8 length is at most 3 bytes a unit: encode only when
    // that bound passes the limit.
    const max = this.options.maxMessageBytes;
    if (message.length * 3 > max && utf8.encode(message).byteLength > max) {
      return ws.close(CLOSE_TOO_BIG, `hub: a frame is at most ${max} bytes`);
    }
    let frame;
    try {
      frame = JSON.parse(message);
    } catch {
      return ws.close(CLOSE_MALFORMED, "hub: a frame is a JSON object");
    }
    switch (frame?.t) {
      case "emit": {
        if (!Number.isSafeInteger(frame.id) || !("data" in frame)) {
          return ws.close(CLOSE_MALFORMED, "hub: emit needs a whole-number id and data");
        }
        const identity = this.subscribers.get(ws)?.identity ?? ws.deserializeAttachment()?.identity ?? "";
        const check = this.check(EMIT, "", identity, JSON.stringify(frame.data));
        if (!check.ok) {
          ws.send(JSON.stringify({ t: "nack", id: frame.id, error: check.reason }));
          return;
        }
        ws.send(`{"t":"ack","id":${frame.id},"seq":${this.emit(check.data)}}`);
        return;
      }
      case "got": {
        const sub = this.subscribers.get(ws);
        if (!sub || !Number.isSafeInteger(frame.seq)) {
          return ws.close(CLOSE_MALFORMED, "hub: got needs a subscription and a whole-number seq");
        }
        // Acknowledging more than was sent cannot widen the window.
        sub.acked = Math.max(sub.acked, Math.min(frame.seq, sub.sent));
        if (!sub.live) this.pump(ws, sub);
        return;
      }
      default:
        return ws.close(CLOSE_MALFORMED, 'hub: unknown frame type; expected "emit" or "got"');
    }
  }

  async webSocketClose(ws, code, reason) {
    this.subscribers.delete(ws);
    try {
      // Answer the client's close. After an abrupt drop (1006) there is no
      // one to answer, and the code the client used may not be sendable.
      ws.close(CLOSE_NORMAL, "hub: bye");
    } catch {}
  }

  async webSocketError(ws) {
    this.subscribers.delete(ws);
  }

  // Stores json (an event's data, as JSON text) as the next event, sends it
  // to the subscribers that are live, and returns its seq. The write and
  // the sends leave the object together: the runtime holds outgoing
  // messages until the write is stored.
  emit(json) {
    const seq = this.head + 1;
    const now = Date.now();
    this.sql.exec("INSERT INTO hub_events (seq, at, data) VALUES (?, ?, ?)", seq, now, json);
    this.sql.exec("INSERT INTO hub_meta (key, value) VALUES ('seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", seq);
    this.sql.exec("DELETE FROM hub_events WHERE seq <= ?", seq - this.options.logCount);
    this.head = seq;
    this.trimByAge(now);
    const frame = `{"t":"event","seq":${seq},"data":${json}}`;
    const { window } = this.options;
    for (const [ws, sub] of this.subscribers) {
      if (!sub.live) continue;
      if (seq - sub.acked > window) {
        // Overflow: the subscriber is told, and fed from the log once it
        // acknowledges what it has.
        sub.live = false;
        sub.save(ws);
        send(ws, `{"t":"overflow","seq":${sub.sent}}`);
        continue;
      }
      send(ws, frame);
      sub.sent = seq;
    }
    return seq;
  }

  // Sends a subscriber that is behind what it missed, from the log, as far
  // as its window lets it; it turns live once it reaches the head.
  pump(ws, sub) {
    this.trimByAge(Date.now());
    const first = this.first();
    if (sub.sent + 1 < first) {
      // The log no longer has what it missed: say so, then go on from the
      // oldest stored event.
      send(ws, `{"t":"gap","from":${sub.sent + 1},"to":${first}}`);
      sub.sent = sub.acked = first - 1;
    }
    const upTo = Math.min(this.head, sub.acked + this.options.window);
    if (upTo > sub.sent) {
      const rows = this.sql.exec("SELECT seq, data FROM hub_events WHERE seq > ? AND seq <= ? ORDER BY seq", sub.sent, upTo);
      for (const row of rows) {
        send(ws, `{"t":"event","seq":${row.seq},"data":${row.data}}`);
        sub.sent = row.seq;
      }
    }
    sub.live = sub.sent === this.head;
    sub.save(ws);
  }

  // Runs the rules, if any, for an action: returns {ok: true, identity,
  // data} (data: the event as the rules left it) or {ok: false, reason}.
  // Without rules every action passes, and Go never starts.
  check(kind, query, identity, data) {
    if (this.rules === null) return { ok: true, identity, data };
    return this.rules.run(kind, this.name, query, identity, data);
  }

  // Keeps the signal's name, which the rules see, for wakes.
  named(name) {
    if (this.name !== "") return;
    this.name = name;
    this.sql.exec("INSERT INTO hub_meta (key, value) VALUES ('name', ?) ON CONFLICT (key) DO NOTHING", name);
  }

  // The seq of the oldest event in the log; head + 1 when the log is empty.
  first() {
    const row = this.sql.exec("SELECT MIN(seq) AS seq FROM hub_events").one();
    return row.seq ?? this.head + 1;
  }

  // Drops events older than logAgeMs, at most once a second: the age is a
  // bound on what is kept, not a deadline.
  trimByAge(now) {
    if (now - this.agedAt < 1000) return;
    this.agedAt = now;
    this.sql.exec("DELETE FROM hub_events WHERE at < ?", now - this.options.logAgeMs);
  }
}

// Where delivery to one subscriber stands. In memory while the object
// runs; the attachment of its socket holds what a woken object needs.
class Subscriber {
  constructor(sent, identity) {
    this.sent = sent; // the last seq sent to it
    this.acked = sent; // the last seq it acknowledged (or had when it came)
    this.live = false; // sent everything; gets new events as they are stored
    this.identity = identity; // what the rules said of it when it connected
  }

  // A subscriber that was live when the object slept or was evicted had
  // been sent every event up to the head: events are stored and sent in
  // one turn. One that was behind is where its attachment says.
  static restore(ws, head) {
    const a = ws.deserializeAttachment() ?? {};
    const sub = new Subscriber(a.live ? head : (a.sent ?? head), a.identity ?? "");
    sub.live = a.live !== false;
    return sub;
  }

  // Written when the subscriber falls behind or catches up, never per
  // event: an attachment is serialized on every write.
  save(ws) {
    ws.serializeAttachment({ sub: true, live: this.live, sent: this.sent, identity: this.identity });
  }
}

// The hub's rules: a Go program (worker.ServeHubRules) in a Go runtime of
// the object's own, started on the first action after the object started,
// and again if it exited. Rules run synchronously, one action at a time,
// so events keep their order.
class Rules {
  constructor(module) {
    this.module = module;
    this.go = null;
  }

  start() {
    const go = new globalThis.Go();
    const context = { binding: {} };
    let ready = false;
    context.binding.ready = () => (ready = true);
    const instance = new WebAssembly.Instance(this.module, go.importObject);
    ownGlobal(go, context); // what the program sees as the global `context`
    go.run(instance);
    // Resolved when Go exits, possibly from another request's context,
    // which Workers would cancel with a warning. An exit shows in go.exited.
    go._resolveExitPromise = () => {};
    // run() executes main up to its first wait, which ServeHubRules is.
    if (!ready) throw new Error("SignalHub: the rules program did not call worker.ServeHubRules");
    this.go = go;
    this.binding = context.binding;
  }

  run(kind, signal, query, identity, data) {
    try {
      if (this.go === null || this.go.exited) this.start();
      const [ok, text, out] = this.binding.check(kind, signal, query, identity, data ?? "");
      return ok ? { ok: true, identity: text, data: out } : { ok: false, reason: text };
    } catch (error) {
      // No rules, no actions: the hub refuses rather than lets through.
      console.error("hub: the rules failed:", error);
      this.go = null;
      return { ok: false, reason: "hub: the rules are unavailable" };
    }
  }
}

// A close reason is at most 123 bytes of UTF-8.
function closeReason(text) {
  let reason = text;
  while (utf8.encode(reason).byteLength > 123) reason = reason.slice(0, -2) + "…";
  return reason;
}

// Sends on a socket that may have closed since the turn began.
function send(ws, text) {
  try {
    ws.send(text);
  } catch {}
}
