// The JavaScript half of the bridge to Go (jsbridge/): the host object that Go
// calls, and GoSignal, a JavaScript face for a signal that Go exported.
// JavaScript listeners never cross into Go; Go is entered only through the
// module's numeric exports, with payloads written into Go's memory.

import { Writer } from './wire.js';
import { Guard, NOT_ABORTABLE, isThenable, tryEmitOptions } from './signal.js';

const KIND_NUMBER = 1, KIND_STRING = 2, KIND_WIRE = 3;

// Statuses of Go's exports, and the kinds of Go error (see fail in bridge_js.go).
const STATUS_OK = 0, STATUS_JS_ERROR = 1;
const FAIL_PANIC = 1, FAIL_TYPE = 2;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Error for a Go listener's failure: message is the Go error text, name its kind, key its listener key. */
export class GoError extends Error {
  constructor(message, name) {
    super(message);
    this.name = name;
  }
}

export class Host {
  #resumeAt = -Infinity; // when the pending resume was scheduled
  #calls = 0; // numbers the calls of ListenAsync listeners
  #running = new Map(); // call number -> { resolve, reject } of its promise

  /**
   * @param {WebAssembly.Instance} instance
   * @param {{ _resume(): void, exited: boolean }} go the wasm_exec.js Go that runs instance
   */
  constructor(instance, go) {
    this.go = go;
    this.exports = instance.exports;
    this.writer = new Writer();
    this.signals = new Map(); // name -> Signal created in JavaScript
    this.goListeners = new Map(); // signal name -> [{id, key}] that Go asked for
    this.exported = new Map(); // name -> GoSignal
    this.error = null;
    this.staged = undefined;
    this.run = null; // the GoSignal.tryEmit whose call into Go runs now
    this.started = new Promise((resolve) => { this.resolveStarted = resolve; });
  }

  // --- called by Go ---

  listen(name, id, key, async) {
    const entry = { id, key, async };
    const list = this.goListeners.get(name) ?? [];
    list.push(entry);
    this.goListeners.set(name, list);
    const signal = this.signals.get(name);
    if (signal) this.attach(signal, entry);
  }

  export(name, handle, async) {
    this.exported.set(name, new GoSignal(this, handle, async));
  }

  /** Records a JavaScript listener's own error, which made the current call fail. */
  fail(error) {
    this.error = error;
  }

  /** A ListenAsync listener's call ended: status and failure as check takes them. */
  settle(call, status, failure) {
    const run = this.#running.get(call);
    this.#running.delete(call);
    if (status === STATUS_OK) return run.resolve();
    run.reject(this.#failed(status, failure));
  }

  keys(joined) {
    this.lastKeys = joined === '' ? [] : joined.split('\0');
  }

  ready() {
    this.resolveStarted();
  }

  // --- used by JavaScript ---

  /** Adds Go's listeners for signal's name to a signal created in JavaScript. */
  register(signal, name) {
    this.signals.set(name, signal);
    for (const entry of this.goListeners.get(name) ?? []) this.attach(signal, entry);
  }

  attach(signal, { id, key, async }) {
    const listener = async
      ? (payload, context) => this.callAsync(id, payload, context.signal)
      : (payload) => this.check(this.cross(this.exports.es_call, id, payload));
    signal.addListener(listener, key || undefined);
  }

  /**
   * Starts the ListenAsync listener id on a goroutine and returns a promise
   * of its end. An abort of the caller's tryEmit cancels the listener's
   * context; the promise then rejects with the abort reason, which the
   * tryEmit has already rejected with.
   */
  callAsync(id, payload, abort) {
    const call = ++this.#calls;
    const status = this.cross((target, kind, num, n) => this.exports.es_call_async(target, call, kind, num, n), id, payload);
    this.check(status); // a payload that does not decode throws here
    const ended = new Promise((resolve, reject) => this.#running.set(call, { resolve, reject }));
    // The goroutine runs when Go is resumed: at once, not a macrotask later.
    queueMicrotask(() => this.go.exited || this.go._resume());
    const cancel = () => this.exports.es_cancel(call);
    abort.addEventListener('abort', cancel, { once: true });
    return ended.then(
      () => abort.removeEventListener('abort', cancel),
      (error) => {
        abort.removeEventListener('abort', cancel);
        throw abort.aborted ? abort.reason : error;
      },
    );
  }

  /**
   * Calls fn, a JavaScript listener of a Go signal, for Go. Go cannot wait
   * for a promise: the tryEmit that called it awaits those its listeners
   * return once Go is done, and emit reports their rejections.
   */
  callListener(fn, payload) {
    const run = this.run;
    const result = fn(payload, run?.context ?? NOT_ABORTABLE);
    if (!isThenable(result)) return;
    if (run) run.promises.push(result);
    else result.then(undefined, (error) => console.error('edgesignals: a listener of a Go signal failed:', error));
  }

  /**
   * Resumes Go once, soon. Goroutines left runnable by Go's exports (the
   * garbage collector's, the finalizers that free the JavaScript values Go
   * no longer holds) run only when Go is resumed, and Go resumes itself only
   * for its own timers and callbacks: without this, a program that only
   * calls exports would never free them. Called after every call into Go;
   * costs one timer per macrotask. A timer pending for over a second was
   * dropped (Workers cancels the timers of a request once it is answered)
   * and is replaced.
   */
  resumeLater() {
    const now = Date.now();
    if (now - this.#resumeAt < 1000) return;
    this.#resumeAt = now;
    setTimeout(() => {
      this.#resumeAt = -Infinity;
      if (!this.go.exited) this.go._resume();
    }, 0);
  }

  /** Calls a Go export with payload, as a number, a string or wire bytes, and returns its status. */
  cross(fn, target, payload) {
    this.resumeLater();
    if (typeof payload === 'number') return fn(target, KIND_NUMBER, payload, 0);
    if (typeof payload === 'string') {
      const n = this.writeString(payload);
      return fn(target, KIND_STRING, 0, n);
    }
    const bytes = this.writer.encode(payload);
    this.memory(bytes.length).set(bytes);
    return fn(target, KIND_WIRE, 0, bytes.length);
  }

  /** Writes s as UTF-8 into Go's buffer and returns its length in bytes. */
  writeString(s) {
    const { written } = utf8.encodeInto(s, this.memory(s.length * 3));
    return written;
  }

  /** A view of Go's payload buffer, at least n bytes long. */
  memory(n) {
    const ptr = this.exports.es_buffer(n);
    return new Uint8Array(this.exports.mem.buffer, ptr, Math.max(n, 0));
  }

  /** Throws the error Go reported if status says the call failed. */
  check(status) {
    if (status !== STATUS_OK) throw this.#failed(status, this.exports.es_failure());
  }

  /**
   * The error of a failed call: a JavaScript listener's own, or the Go error
   * that Go described at address failure of its memory. Built here, after
   * Go has returned, so that its stack is the caller's, not Go's.
   */
  #failed(status, failure) {
    if (status === STATUS_JS_ERROR) {
      const error = this.error;
      this.error = null;
      return error;
    }
    const view = new DataView(this.exports.mem.buffer, failure);
    const kind = view.getUint32(0, true), keyLength = view.getUint32(4, true);
    const text = new Uint8Array(this.exports.mem.buffer, failure + 12, keyLength + view.getUint32(8, true));
    const key = utf8Decoder.decode(text.subarray(0, keyLength));
    const message = utf8Decoder.decode(text.subarray(keyLength));
    const error = kind === FAIL_TYPE ? new TypeError(message) : new GoError(message, kind === FAIL_PANIC ? 'PanicError' : 'GoError');
    if (key) error.key = key;
    return error;
  }
}

/**
 * A signal exported by Go (jsbridge.Export). Its listeners live in Go; a
 * JavaScript listener added here is a function that Go calls.
 * @template T
 */
export class GoSignal {
  constructor(host, handle, async) {
    this.host = host;
    this.handle = handle;
    this.async = async;
  }

  addListener(fn, key) {
    return this.#add(fn, key, false, 'addListener');
  }

  addOnce(fn, key) {
    return this.#add(fn, key, true, 'addOnce');
  }

  #add(fn, key, once, method) {
    if (typeof fn !== 'function') {
      throw new TypeError(`${method}: listener must be a function, got ${typeof fn}`);
    }
    const host = this.host;
    host.staged = (payload) => host.callListener(fn, payload);
    host.resumeLater();
    try {
      return host.exports.es_add(this.handle, this.#key(key, method), once);
    } finally {
      host.staged = undefined;
    }
  }

  #key(key, method) {
    if (key === undefined) return 0;
    if (typeof key !== 'string') throw new TypeError(`${method}: key must be a string, got ${typeof key}`);
    return this.host.writeString(key);
  }

  removeListener(key) {
    this.host.resumeLater();
    return this.host.exports.es_remove(this.handle, this.#key(key, 'removeListener'));
  }

  reset() {
    this.host.resumeLater();
    this.host.exports.es_reset(this.handle);
  }

  get size() {
    return this.host.exports.es_len(this.handle);
  }

  keys() {
    this.host.exports.es_keys(this.handle);
    return this.host.lastKeys;
  }

  hasKey(key) {
    return this.keys().includes(key);
  }

  emit(payload) {
    this.host.check(this.host.cross(this.host.exports.es_emit, this.handle, payload));
  }

  /**
   * Runs the Go listeners (and the JavaScript ones, which Go calls) in Go,
   * then waits for the promises the JavaScript listeners returned. Go
   * listeners run to completion inside this call, so an abort or timeout can
   * only stop the wait for those promises; an AbortSignal already aborted
   * stops everything before Go is entered.
   */
  async tryEmit(payload, options) {
    const { signal, timeout } = tryEmitOptions(options);
    const guard = signal === undefined && timeout === undefined ? null : new Guard(signal, timeout);
    const host = this.host;
    const outer = host.run; // a listener may tryEmit on another Go signal
    const run = (host.run = { context: guard === null ? NOT_ABORTABLE : { signal: guard.signal }, promises: [] });
    try {
      try {
        host.check(host.cross(host.exports.es_try, this.handle, payload));
      } finally {
        host.run = outer;
      }
      if (run.promises.length > 0) {
        const all = Promise.all(run.promises);
        await (guard === null ? all : Promise.race([all, guard.aborted]));
      }
    } finally {
      guard?.release();
    }
  }
}
