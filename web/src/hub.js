// The hub client: signals whose events travel through a signal hub
// (worker/js/hub.mjs, protocol in docs/hub.md) to every other client of the
// same signal: browser tabs, Node processes, Workers.
//
//   import { connect } from 'edgesignals/hub';
//   const hub = connect('https://example.com/hub/');
//   const orders = hub.signal('orders');
//   orders.addListener((order) => show(order));
//   const seq = await orders.tryEmit({ item: 'tea' }); // stored as event seq
//
// Listeners live here, in a local Signal; the hub only carries events. Each
// signal has a WebSocket of its own, opened on first use (it subscribes,
// whether or not there are listeners yet), reopened with back-off after a
// drop, resuming after the last seq it delivered.

import { Signal, Guard, tryEmitOptions } from './signal.js';

/** A failure of the hub or of the connection to it: code says which. */
export class HubError extends Error {
  /**
   * @param {string} message
   * @param {'closed' | 'lost' | 'refused' | 'too-large' | 'backlog'} code
   *   closed: hub.close() was called; lost: the connection dropped after the
   *   emit was sent and before its ack, so it may or may not be stored;
   *   refused: the hub's rules refused the event (not stored) or the
   *   connection (the signal closes), or the hub closed the socket for a
   *   malformed frame;
   *   too-large: the event is over the hub's limit; backlog: too many emits
   *   wait for a connection
   */
  constructor(message, code) {
    super(message);
    this.name = 'HubError';
    this.code = code;
  }
}

const DEFAULTS = {
  minDelay: 100, // first reconnect delay, milliseconds, doubled per failure
  maxDelay: 10_000,
  pingEvery: 30_000, // a ping when the socket has been quiet this long
  maxPending: 1000, // emits kept while disconnected
};

/**
 * Connects to the hub at url (http, https, ws or wss; signals are below it:
 * url + name). Nothing opens until a signal is used.
 * @param {string | URL} url
 * @param {object} [options]
 * @param {typeof WebSocket} [options.WebSocket] the WebSocket class; by
 *   default globalThis.WebSocket (Node 20 has none: pass the one of the `ws`
 *   package, or run Node with --experimental-websocket)
 * @param {(gap: {signal: string, from: number, to: number}) => void} [options.onGap]
 *   told when events from..to-1 of a signal will never arrive (the hub's log
 *   no longer had them when this client resumed)
 * @param {(error: unknown, info: {key: string, name: string}) => void} [options.onError]
 *   failures nobody waits for: a listener's, and emit's
 * @param {number} [options.minDelay=100] @param {number} [options.maxDelay=10000]
 *   reconnect back-off bounds, milliseconds
 * @param {number} [options.maxPending=1000] emits kept per signal while disconnected
 * @param {number} [options.pingEvery=30000] milliseconds of silence before a
 *   ping; a socket silent for as long again after it is reopened
 * @returns {Hub}
 */
export function connect(url, options = {}) {
  return new Hub(url, options);
}

export class Hub {
  #base;
  #options;
  #signals = new Map();
  #closed = false;

  constructor(url, options) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`connect: options must be an object, got ${typeName(options)}`);
    }
    let base;
    try {
      base = new URL(String(url), globalThis.location?.href);
    } catch {
      throw new TypeError(`connect: ${JSON.stringify(String(url))} is not a URL`);
    }
    const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[base.protocol];
    if (scheme === undefined) throw new TypeError(`connect: the URL must be http(s) or ws(s), got ${base.protocol}`);
    base.protocol = scheme;
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    const WS = options.WebSocket ?? globalThis.WebSocket;
    if (typeof WS !== 'function') {
      throw new TypeError(
        'connect: no WebSocket here; pass options.WebSocket (in Node 20: the `ws` package, or run with --experimental-websocket)',
      );
    }
    for (const name of ['minDelay', 'maxDelay', 'maxPending', 'pingEvery']) {
      const value = options[name];
      if (value !== undefined && !(typeof value === 'number' && value > 0)) {
        throw new TypeError(`connect: ${name} must be a number above 0, got ${String(value)}`);
      }
    }
    for (const name of ['onGap', 'onError']) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        throw new TypeError(`connect: ${name} must be a function, got ${typeName(options[name])}`);
      }
    }
    this.#base = base;
    this.#options = { ...DEFAULTS, ...options, WebSocket: WS };
  }

  /**
   * The remote signal called name (one object per name and hub).
   * @param {string} name
   * @returns {RemoteSignal}
   */
  signal(name) {
    if (typeof name !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(name)) {
      throw new TypeError(`signal: a name is 1 to 128 characters of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(name)}`);
    }
    if (this.#closed) throw new HubError('signal: the hub connection is closed', 'closed');
    let signal = this.#signals.get(name);
    if (signal === undefined) {
      signal = new RemoteSignal(name, new URL(encodeURIComponent(name), this.#base), this.#options);
      this.#signals.set(name, signal);
    }
    return signal;
  }

  /** Closes every socket; pending tryEmits reject with a HubError "closed". */
  close() {
    this.#closed = true;
    for (const signal of this.#signals.values()) signal.close();
    this.#signals.clear();
  }
}

/**
 * A signal carried by the hub. Listeners added here receive every event
 * emitted on the signal by any client, this one included, in seq order.
 * @template T
 */
export class RemoteSignal {
  #local;
  #url;
  #options;
  #ws = null;
  #open = false; // the socket said hello
  #closed = false;
  #closedBy = null; // the refusal that closed the signal, if the hub refused it
  #failures = 0; // connection attempts that failed in a row
  #retry; // the reconnect timer
  #pinger;
  #quiet = false; // nothing came since the last tick of the pinger
  #pingSent = false;
  #window = 0;
  #got = 0; // the last seq acknowledged with "got"
  #ids = 0;
  #queue = []; // emits waiting for a socket: {id, text, resolve, reject}
  #sent = new Map(); // id -> emit sent and waiting for its ack

  /** The seq of the last event delivered to the listeners (0 before any). */
  seq = 0;

  constructor(name, url, options) {
    this.name = name;
    this.#url = url;
    this.#options = options;
    this.#local = new Signal({ name, onError: options.onError });
  }

  /** The number of listeners. */
  get size() {
    return this.#local.size;
  }

  /** Whether the socket is open and has said hello. */
  get connected() {
    return this.#open;
  }

  addListener(fn, key) {
    const n = this.#local.addListener(fn, key);
    this.#ensure();
    return n;
  }

  addOnce(fn, key) {
    const n = this.#local.addOnce(fn, key);
    this.#ensure();
    return n;
  }

  removeListener(key) {
    return this.#local.removeListener(key);
  }

  reset() {
    this.#local.reset();
  }

  keys() {
    return this.#local.keys();
  }

  hasKey(key) {
    return this.#local.hasKey(key);
  }

  /**
   * Sends payload to the hub without waiting; a failure goes to onError.
   * @param {T} payload
   */
  emit(payload) {
    this.tryEmit(payload).catch((error) => report(this.#options.onError, error, this.name));
  }

  /**
   * Sends payload to the hub; resolves with its seq once the hub stored it.
   * An abort or timeout stops the wait, not the emit: the event may still be
   * stored. Rejects with a TypeError for a payload that is not JSON, and a
   * HubError when the hub cannot take it or the connection dropped before the
   * ack (then the event may or may not be stored).
   * @param {T} payload
   * @param {{signal?: AbortSignal, timeout?: number}} [options]
   * @returns {Promise<number>}
   */
  async tryEmit(payload, options) {
    const { signal, timeout } = tryEmitOptions(options);
    if (this.#closed) throw this.#closedBy ?? new HubError(`tryEmit: signal "${this.name}" is closed`, 'closed');
    let data;
    try {
      data = JSON.stringify(payload);
    } catch (error) {
      throw new TypeError(`tryEmit: the payload is not JSON: ${error.message}`);
    }
    if (data === undefined) throw new TypeError(`tryEmit: the payload is not JSON: ${typeName(payload)}`);
    if (this.#queue.length >= this.#options.maxPending) {
      throw new HubError(`tryEmit: ${this.#queue.length} emits already wait for a connection to the hub`, 'backlog');
    }
    const id = ++this.#ids;
    const acked = new Promise((resolve, reject) => {
      this.#queue.push({ id, text: `{"t":"emit","id":${id},"data":${data}}`, resolve, reject });
    });
    this.#ensure();
    this.#flush();
    if (signal === undefined && timeout === undefined) return acked;
    const guard = new Guard(signal, timeout);
    try {
      return await Promise.race([acked, guard.aborted]);
    } finally {
      guard.release();
      acked.catch(() => {}); // settled later, or never waited for
    }
  }

  /** Closes the socket for good; pending emits reject with a HubError "closed". */
  close() {
    this.#shut(new HubError(`signal "${this.name}" was closed`, 'closed'));
  }

  // Closes the socket for good; pending emits reject with error.
  #shut(error) {
    this.#closed = true;
    if (error.code === 'refused') this.#closedBy = error;
    clearTimeout(this.#retry);
    this.#stopPinging();
    this.#ws?.close(1000);
    this.#ws = null;
    this.#open = false;
    for (const e of [...this.#queue, ...this.#sent.values()]) e.reject(error);
    this.#queue = [];
    this.#sent.clear();
  }

  // Opens the socket unless one is open, opening, or waiting to reopen.
  #ensure() {
    if (this.#ws !== null || this.#closed || this.#retry !== undefined) return;
    // The first connection starts at the hub's newest event; later ones
    // resume after the last event delivered here.
    const url = new URL(this.#url);
    if (this.seq > 0) url.searchParams.set('after', String(this.seq));
    const ws = new this.#options.WebSocket(url.href);
    this.#ws = ws;
    ws.onmessage = (event) => {
      if (this.#ws === ws) this.#receive(event.data);
    };
    ws.onclose = (event) => {
      if (this.#ws === ws) this.#lost(event.code, event.reason);
    };
    ws.onerror = () => {}; // a close event follows
  }

  #receive(text) {
    // Anything the hub sends answers a ping.
    this.#quiet = false;
    this.#pingSent = false;
    if (text === 'pong') return;
    const frame = JSON.parse(text);
    switch (frame.t) {
      case 'event':
        if (frame.seq <= this.seq) return; // already delivered before a resume
        this.seq = frame.seq;
        this.#local.emit(frame.data);
        if (this.seq - this.#got >= this.#window / 4) this.#ack();
        return;
      case 'ack': {
        const emit = this.#sent.get(frame.id);
        this.#sent.delete(frame.id);
        emit?.resolve(frame.seq);
        return;
      }
      case 'nack': {
        // The hub's rules refused the event: it was not stored.
        const emit = this.#sent.get(frame.id);
        this.#sent.delete(frame.id);
        emit?.reject(new HubError(frame.error, 'refused'));
        return;
      }
      case 'hello':
        this.#open = true;
        this.#failures = 0;
        this.#window = frame.window;
        this.#got = this.seq;
        if (frame.seq < this.seq) {
          // The hub has fewer events than this client saw: its storage was
          // lost. Later events start again below our seq.
          this.#gap(frame.seq + 1, frame.seq + 1);
          this.seq = this.#got = frame.seq;
        }
        this.#startPinging();
        this.#flush();
        return;
      case 'gap':
        this.#gap(frame.from, frame.to);
        this.seq = this.#got = frame.to - 1;
        return;
      case 'overflow':
        // Every event before it has been handled: say so, and the hub
        // sends the rest from its log.
        this.#ack();
        return;
    }
  }

  #ack() {
    this.#got = this.seq;
    this.#ws.send(`{"t":"got","seq":${this.seq}}`);
  }

  #gap(from, to) {
    try {
      this.#options.onGap?.({ signal: this.name, from, to });
    } catch (error) {
      report(this.#options.onError, error, this.name);
    }
  }

  // Sends the queued emits once the socket has said hello.
  #flush() {
    if (!this.#open) return;
    for (const emit of this.#queue) {
      this.#sent.set(emit.id, emit);
      this.#ws.send(emit.text);
    }
    this.#queue = [];
  }

  // The socket closed: emits sent without an ack fail (they may be stored),
  // queued ones wait, and the socket reopens after a delay. A refusal by
  // the hub's rules (1008) closes the signal instead: pending emits fail.
  #lost(code, reason) {
    this.#ws = null;
    this.#open = false;
    this.#stopPinging();
    const refused = code === 1003 || code === 1007 || code === 1008 || code === 1009;
    const error = refused
      ? new HubError(`the hub closed signal "${this.name}": ${reason || code}`, code === 1009 ? 'too-large' : 'refused')
      : new HubError(`the connection to signal "${this.name}" dropped before the hub acknowledged the emit; it may or may not be stored`, 'lost');
    for (const emit of this.#sent.values()) emit.reject(error);
    this.#sent.clear();
    if (code === 1008) {
      this.#shut(error);
      report(this.#options.onError, error, this.name);
    }
    if (this.#closed) return;
    const delay = Math.min(this.#options.maxDelay, this.#options.minDelay * 2 ** this.#failures++);
    // Jitter, so that clients dropped together do not all come back together.
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#ensure();
    }, delay * (0.5 + Math.random() / 2));
  }

  // A ping after a quiet interval; a socket that stays quiet for a second
  // interval is taken as dead and reopened.
  #startPinging() {
    this.#stopPinging();
    this.#pinger = setInterval(() => {
      if (!this.#quiet) {
        this.#quiet = true;
        return;
      }
      if (this.#pingSent) {
        const ws = this.#ws;
        this.#lost(1006, 'no answer to a ping');
        return ws.close(1000);
      }
      this.#pingSent = true;
      this.#ws.send('ping');
    }, this.#options.pingEvery);
  }

  #stopPinging() {
    clearInterval(this.#pinger);
    this.#pingSent = false;
  }
}

function report(onError, error, name) {
  if (onError) {
    try {
      return onError(error, { key: '', name });
    } catch {}
  }
  console.error(`hub: signal "${name}":`, error);
}

function typeName(value) {
  return value === null ? 'null' : typeof value;
}
