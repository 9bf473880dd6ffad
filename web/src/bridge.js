// The JavaScript half of the bridge to Go (jsbridge/): the host object that Go
// calls, and GoSignal, a JavaScript face for a signal that Go exported.
// JavaScript listeners never cross into Go; Go is entered only through the
// module's numeric exports, with payloads written into Go's memory.

import { Writer } from './wire.js';
import { WASM_EXEC_GO } from './wasm_exec_go.js';
import { Guard, NOT_ABORTABLE, checkKey, isThenable, onAbort, tryEmitOptions } from './signal.js';

// The version of the contract with jsbridge (bridge_js.go's protocol): the
// exports, the exchange block, and the constants below, which mirror Go's
// (jsbridge's TestMirroredConstants compares them).
export const PROTOCOL = 1;

// How a payload is passed.
const KIND_NUMBER = 1, KIND_STRING = 2, KIND_WIRE = 3;

// How a call into Go's listeners ended, and the kinds of Go error.
const STATUS_OK = 0, STATUS_FAILED = 1, STATUS_PENDING = 2;
const FAIL_GO = 0, FAIL_PANIC = 1, FAIL_TYPE = 2, FAIL_JS = 3;

// Flags of a call: JavaScript calls from inside Go; the call can be aborted.
const CALL_NESTED = 1, CALL_ABORTABLE = 2;

// Offsets of the fields of Go's exchange block, where a call into Go's
// listeners takes its arguments and leaves its outcome.
const EX_TARGET = 0, EX_CALL = 4, EX_KIND = 8, EX_N = 12, EX_NUM = 16, EX_FLAGS = 24, EX_ENDED = 28,
  EX_STATUS = 32, EX_FAILURE = 36, EX_RESUMES = 40, EX_WAITING = 44;

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
  #resumeQueued = false; // a resume waits in the microtask queue
  #depth = 0; // how many calls into Go are running (Go calls JavaScript, which may call Go)
  #calls = 0; // numbers the calls into Go's listeners
  #pending = new Map(); // call number -> { resolve, reject } of a call that Go finishes later
  #run = undefined; // the GoSignal.tryEmit whose call into Go runs now
  #runCall = 0; // and the number of that call
  #runs = new Map(); // call number -> the GoSignal.tryEmit of a pending call
  #exchange = 0; // the address of Go's exchange block

  /**
   * @param {WebAssembly.Instance} instance
   * @param {{ run(instance): Promise<void>, _resume(): void, exited: boolean }} go the wasm_exec.js Go that runs instance
   * @param {string} [where] names the module in errors
   */
  constructor(instance, go, where = 'the module') {
    this.go = go;
    this.where = where;
    this.instance = instance;
    this.exports = instance.exports;
    this.writer = new Writer();
    this.signals = new Map(); // name -> Signal created in JavaScript
    this.goListeners = new Map(); // signal name -> [{id, key}] that Go asked for
    this.exported = new Map(); // name -> GoSignal
    this.errors = []; // JavaScript listeners' own errors, handed back by Go for the failure it reports
    this.refusal = null; // why this side refused the Go module, if it did
    this.greeted = false; // Go said hello
    this.staged = undefined;
    this.started = new Promise((resolve) => { this.resolveStarted = resolve; });
    // Go runs inside go._resume too (its timers, its js.FuncOf callbacks):
    // the depth must count those, so that a call into Go's listeners knows
    // whether it comes from inside Go; and Go must know how many run, so
    // that a call that waited returns into its export only once they are
    // over (see dispatch in bridge_js.go).
    const resume = go._resume.bind(go);
    go._resume = () => {
      this.#depth++;
      this.#resumes(1);
      try {
        resume();
      } finally {
        this.#depth--;
        this.#resumes(-1);
      }
    };
  }

  #resumeCount = 0;

  #resumes(change) {
    this.#resumeCount += change;
    if (this.#exchange === 0 || this.go.exited) return; // before hello, no call can wait
    const view = this.go.mem;
    view.setInt32(this.#exchange + EX_RESUMES, this.#resumeCount, true);
    if (this.#resumeCount === 0 && view.getInt32(this.#exchange + EX_WAITING, true) !== 0) this.exports.es_wake();
  }

  /** Starts the Go program; resolves when it exits. */
  run() {
    this.#depth++;
    try {
      const exited = this.go.run(this.instance);
      // The calls Go was running will never end: they fail.
      exited.then(() => {
        for (const { reject } of this.#pending.values()) reject(this.#exited());
        this.#pending.clear();
      });
      return exited;
    } finally {
      this.#depth--;
    }
  }

  #exited() {
    return new Error(`edgesignals: the Go program of ${this.where} has exited`);
  }

  /** Throws if the Go program has exited: its exports must not run again. */
  running() {
    if (this.go.exited) throw this.#exited();
  }

  /** Before a call into Go that may change what Go holds: see resumeLater. */
  enter() {
    this.running();
    this.resumeLater();
  }

  // --- called by Go ---

  /**
   * Go's first call: its protocol, its Go version and where its exchange
   * block is. Returns this side's protocol, which Go checks too; or, if this
   * side refuses the module, why, which stops Go (load() rejects with it).
   */
  hello(protocol, goVersion, exchange) {
    this.#exchange = exchange;
    const release = (version) => /^go(\d+\.\d+)/.exec(version)?.[1];
    if (protocol !== PROTOCOL) {
      this.refusal = new Error(`edgesignals: ${this.where} speaks bridge protocol ${protocol}, this package ` +
        `protocol ${PROTOCOL}: build it with the jsbridge of this package's version`);
    } else if (release(goVersion) !== undefined && release(goVersion) !== release(WASM_EXEC_GO)) {
      // wasm_exec.js is the other half of Go's runtime: its imports and
      // their memory layout change between releases.
      this.refusal = new Error(`edgesignals: ${this.where} was built by ${goVersion}, but this package's wasm_exec.js ` +
        `comes from ${WASM_EXEC_GO}: build it with Go ${release(WASM_EXEC_GO)} ` +
        `(for example GOTOOLCHAIN=${WASM_EXEC_GO} GOOS=js GOARCH=wasm go build)`);
    }
    this.greeted = true;
    return this.refusal ? this.refusal.message : PROTOCOL;
  }

  listen(name, id, key) {
    const entry = { id, key };
    const list = this.goListeners.get(name) ?? [];
    list.push(entry);
    this.goListeners.set(name, list);
    const signal = this.signals.get(name);
    if (signal) this.attach(signal, entry);
  }

  export(name, handle, async) {
    this.exported.set(name, new GoSignal(this, handle, async));
  }

  /** Takes back a JavaScript listener's own error, which the failure Go reports names (FAIL_JS). */
  fail(error) {
    this.errors.push(error);
  }

  /** A pending call into Go's listeners ended: status and failure as in the exchange block. */
  settle(call, status, failure) {
    const waiter = this.#pending.get(call);
    if (waiter === undefined) return;
    this.#pending.delete(call);
    if (status === STATUS_OK) waiter.resolve();
    else waiter.reject(this.#failed(failure));
  }

  keys(joined) {
    this.lastKeys = joined === '' ? [] : joined.split('\0');
  }

  ready() {
    if (!this.greeted) {
      this.refusal = new Error(`edgesignals: ${this.where} was built with a jsbridge older than bridge protocol ` +
        `${PROTOCOL}: build it with the jsbridge of this package's version`);
    }
    this.resolveStarted();
  }

  // --- used by JavaScript ---

  /** Adds Go's listeners for signal's name to a signal created in JavaScript. */
  register(signal, name) {
    this.signals.set(name, signal);
    for (const entry of this.goListeners.get(name) ?? []) this.attach(signal, entry);
  }

  attach(signal, { id, key }) {
    const listener = (payload, context) => this.callGo(this.exports.es_call, id, payload, context.signal);
    signal.addListener(listener, key || undefined);
  }

  /**
   * Calls Go's listeners: fn is es_call (a Go listener of a JavaScript
   * signal, target its id), es_emit or es_try (a Go signal, target its
   * handle). Returns undefined if they finished within the call, and throws
   * their failure; if they went on waiting, returns a promise of their end.
   * An abort of signal then cancels their context and rejects the promise
   * with its reason. run, from GoSignal.tryEmit, receives the promises of the
   * JavaScript listeners that Go calls for this call.
   * @param {AbortSignal} [signal]
   */
  callGo(fn, target, payload, signal, run) {
    this.enter();
    const call = (this.#calls = (this.#calls % 0x7fffffff) + 1); // 1 to 2^31-1: Go takes 0 for none
    let kind = KIND_NUMBER, num = 0, n = 0;
    if (typeof payload === 'number') {
      num = payload;
    } else if (typeof payload === 'string') {
      kind = KIND_STRING;
      n = this.writeString(payload);
    } else {
      const bytes = this.writer.encode(payload);
      this.memory(bytes.length).set(bytes);
      kind = KIND_WIRE;
      n = bytes.length;
    }
    // wasm_exec.js keeps go.mem on Go's memory as it grows.
    let view = this.go.mem;
    const at = this.#exchange;
    view.setInt32(at + EX_TARGET, target, true);
    view.setInt32(at + EX_CALL, call, true);
    view.setInt32(at + EX_KIND, kind, true);
    view.setInt32(at + EX_N, n, true);
    view.setFloat64(at + EX_NUM, num, true);
    const abortable = signal !== undefined && signal !== NOT_ABORTABLE.signal;
    view.setInt32(at + EX_FLAGS, (this.#depth > 0 ? CALL_NESTED : 0) | (abortable ? CALL_ABORTABLE : 0), true);
    // An abort cancels the context of the Go listeners: of those still to
    // run in this call too, if it comes from a listener that Go calls.
    const stop = abortable ? onAbort(signal, () => {
      this.exports.es_cancel(call);
      this.#resumeSoon();
    }) : undefined;
    const outer = this.#run, outerCall = this.#runCall; // a listener may tryEmit on another Go signal
    this.#run = run;
    this.#runCall = call;
    this.#depth++;
    try {
      fn();
    } finally {
      this.#depth--;
      this.#run = outer;
      this.#runCall = outerCall;
    }
    if (this.go.exited) {
      // The program ended during the call (a goroutine panicked).
      // wasm_exec.js resolves go.run's promise after its own entries into Go
      // only: this ends the calls still pending too (see run).
      stop?.();
      this.go._resolveExitPromise();
      throw this.#exited();
    }
    view = this.go.mem;
    let status = STATUS_PENDING;
    if (view.getInt32(at + EX_ENDED, true) === call) {
      status = view.getInt32(at + EX_STATUS, true);
    } else {
      // Go returned from the export while the listeners wait: it took
      // nothing else to run (see dispatch in bridge_js.go).
      this.exports.es_pending();
    }
    if (status !== STATUS_PENDING) {
      stop?.();
      if (status === STATUS_OK) return undefined;
      const error = this.#failed(view.getUint32(at + EX_FAILURE, true));
      throw signal?.aborted ? signal.reason : error; // aborted, a call fails with the reason, as a tryEmit does
    }
    if (run !== undefined) this.#runs.set(call, run);
    return this.#await(call, signal, stop);
  }

  #await(call, signal, stop) {
    const ended = new Promise((resolve, reject) => this.#pending.set(call, { resolve, reject }));
    this.#resumeSoon();
    if (stop === undefined) return ended.finally(() => this.#runs.delete(call));
    return ended.then(
      () => {
        stop();
        this.#runs.delete(call);
      },
      (error) => {
        stop();
        this.#runs.delete(call);
        // Aborted, the call has rejected with the reason already; what Go
        // says then is mostly that it saw its context cancelled.
        throw signal.aborted ? signal.reason : error;
      },
    );
  }

  /**
   * Calls fn, a JavaScript listener of a Go signal, for Go, in the call into
   * Go numbered call. Go cannot wait for a promise: the tryEmit that made the
   * call awaits those its listeners return once Go is done, and emit reports
   * their rejections.
   */
  callListener(fn, payload, call) {
    const run = call === this.#runCall ? this.#run : this.#runs.get(call);
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

  // Resumes Go once the current JavaScript is done (a microtask): a pending
  // call's goroutine, or one whose context was just cancelled, runs then.
  #resumeSoon() {
    if (this.#resumeQueued) return;
    this.#resumeQueued = true;
    queueMicrotask(() => {
      this.#resumeQueued = false;
      if (!this.go.exited) this.go._resume();
    });
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

  /**
   * The error of a failed call: a JavaScript listener's own, or the Go error
   * that Go described at address failure of its memory. Built here, after
   * Go has returned, so that its stack is the caller's, not Go's.
   */
  #failed(failure) {
    const view = this.go.mem;
    const count = view.getUint32(failure, true), joined = view.getUint32(failure + 4, true) === 1;
    const errors = [];
    for (let i = 0, at = failure + 8, js = 0; i < count; i++) {
      const kind = view.getUint32(at, true), keyLength = view.getUint32(at + 4, true);
      const text = new Uint8Array(view.buffer, at + 12, keyLength + view.getUint32(at + 8, true));
      at += 12 + text.length;
      if (kind === FAIL_JS) {
        errors.push(this.errors[js++]);
        continue;
      }
      const key = utf8Decoder.decode(text.subarray(0, keyLength));
      const message = utf8Decoder.decode(text.subarray(keyLength));
      const error = kind === FAIL_TYPE ? new TypeError(message) : new GoError(message, kind === FAIL_PANIC ? 'PanicError' : 'GoError');
      if (key) error.key = key;
      errors.push(error);
    }
    this.errors = [];
    // An async Go signal's tryEmit reports every listener that failed, as
    // a JavaScript async signal's does.
    return joined ? new AggregateError(errors, `${errors.length} listeners failed`) : errors[0];
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
    host.staged = (payload, call) => host.callListener(fn, payload, call);
    host.enter();
    try {
      return host.exports.es_add(this.handle, this.#key(key, method), once);
    } finally {
      host.staged = undefined;
    }
  }

  #key(key, method) {
    if (key === undefined) return 0;
    checkKey(method, key);
    return this.host.writeString(key);
  }

  removeListener(key) {
    checkKey('removeListener', key); // required here, where #key takes undefined for no key
    this.host.enter();
    return this.host.exports.es_remove(this.handle, this.host.writeString(key));
  }

  reset() {
    this.host.enter();
    this.host.exports.es_reset(this.handle);
  }

  get size() {
    this.host.running();
    return this.host.exports.es_len(this.handle);
  }

  keys() {
    this.host.running();
    this.host.exports.es_keys(this.handle);
    return this.host.lastKeys;
  }

  hasKey(key) {
    checkKey('hasKey', key);
    return this.keys().includes(key);
  }

  /**
   * Runs the Go listeners (and the JavaScript ones, which Go calls) in Go.
   * If a Go listener waits, emit returns at once and the rest runs later;
   * Go's signal reports its listeners' failures itself (OnError).
   */
  emit(payload) {
    const host = this.host;
    host.callGo(host.exports.es_emit, this.handle, payload)
      ?.catch((error) => console.error('edgesignals: emit on a Go signal failed:', error));
  }

  /**
   * Runs the Go listeners (and the JavaScript ones, which Go calls) in Go,
   * awaiting those that wait, then waits for the promises the JavaScript
   * listeners returned. An abort or timeout cancels the context of the Go
   * listeners and stops the wait; an AbortSignal already aborted stops
   * everything before Go is entered.
   */
  async tryEmit(payload, options) {
    const { signal, timeout } = tryEmitOptions(options);
    const guard = signal === undefined && timeout === undefined ? null : new Guard(signal, timeout);
    const host = this.host;
    const run = { context: guard === null ? NOT_ABORTABLE : { signal: guard.signal }, promises: [] };
    try {
      const ended = host.callGo(host.exports.es_try, this.handle, payload, guard?.signal, run);
      if (ended !== undefined) await (guard === null ? ended : Promise.race([ended, guard.aborted]));
      if (run.promises.length > 0) {
        const all = Promise.all(run.promises);
        await (guard === null ? all : Promise.race([all, guard.aborted]));
      }
    } finally {
      guard?.release();
    }
  }
}
