// The JavaScript side of the edgesignals core. It follows the rules of the Go
// package (signals/): listeners run in the order they were added, an emit sees
// the listener set as it was when the emit started, keyed listeners are unique
// and removable, and addOnce listeners run for one emit at most.
//
// Listeners added from JavaScript are called here, in JavaScript, because
// entering the Go WebAssembly module costs microseconds per call. A Go
// listener (jsbridge.Listen) is one more entry, whose fn is a JavaScript
// function that calls into Go (Host.attach in bridge.js).

/**
 * What a listener receives besides the payload.
 * @typedef {{ readonly signal: AbortSignal }} ListenerContext
 */

/**
 * A listener. What it returns is ignored, except that a returned promise (any
 * thenable) is awaited by tryEmit, and its rejection counts as a failure.
 * @template T
 * @typedef {(payload: T, context: ListenerContext) => unknown} Listener
 */

/**
 * One listener of a signal. Every entry has these four fields, so that the
 * emit loop always sees objects of one shape.
 * @template T
 * @typedef {object} Entry
 * @property {Listener<T>} fn
 * @property {string} key "" when the listener has none
 * @property {boolean} once added with addOnce
 * @property {boolean} claimed set by the one emit that runs an addOnce listener
 */

/**
 * Where onError learns which listener failed.
 * @typedef {{ key: string, name: string }} FailureInfo
 */

/** @type {ReadonlyArray<never>} */
const NO_ENTRIES = Object.freeze([]);

// The context of every call that cannot be aborted (emit, and tryEmit without
// a signal or timeout): one shared object, so that emit allocates nothing.
export const NOT_ABORTABLE = Object.freeze({ signal: new AbortController().signal });

// setTimeout fires at once for longer delays.
const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * A typed event signal: listeners added to it receive the payloads emitted on
 * it. A sync signal calls its listeners one after another, in the order they
 * were added; an async signal starts each listener on a microtask of its own.
 * @template T
 */
export class Signal {
  // Replaced, never changed in place, by every add and removal (copy on
  // write): an emit loops over the array it started with, without copying it.
  /** @type {ReadonlyArray<Entry<T>>} */
  #entries = NO_ENTRIES;
  #async;
  #name;
  #onError;

  /**
   * @param {object} [options]
   * @param {boolean} [options.async=false] start each listener on its own
   *   microtask instead of calling them in order
   * @param {string} [options.name=""] names the signal in error reports
   * @param {(error: unknown, info: FailureInfo) => void} [options.onError]
   *   receives the failures nobody waits for: those of emit, and those of
   *   listeners a tryEmit stopped waiting for when it was aborted. By default
   *   they are logged with console.error.
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`Signal: options must be an object, got ${typeName(options)}`);
    }
    const { async = false, name = '', onError = logFailure } = options;
    if (typeof async !== 'boolean') {
      throw new TypeError(`Signal: async must be a boolean, got ${typeName(async)}`);
    }
    if (typeof name !== 'string') {
      throw new TypeError(`Signal: name must be a string, got ${typeName(name)}`);
    }
    if (typeof onError !== 'function') {
      throw new TypeError(`Signal: onError must be a function, got ${typeName(onError)}`);
    }
    this.#async = async;
    this.#name = name;
    this.#onError = onError;
  }

  /** Whether the signal starts each listener on its own microtask. */
  get async() {
    return this.#async;
  }

  /** The name given to the constructor, "" if none. */
  get name() {
    return this.#name;
  }

  /** The number of listeners. */
  get size() {
    return this.#entries.length;
  }

  /**
   * Adds fn, to be called on every emit. A key makes the listener removable
   * with removeListener; undefined or "" means none, and such a listener is
   * removed only by reset.
   * @param {Listener<T>} fn
   * @param {string} [key]
   * @returns {number} the number of listeners, or -1 if key is already taken
   * @throws {TypeError} if fn is not a function or key not a string
   */
  addListener(fn, key) {
    return this.#add('addListener', fn, key, false);
  }

  /**
   * Adds fn to be called by one emit at most, even when emits overlap; that
   * emit also removes it. A key lets removeListener remove it before it runs.
   * @param {Listener<T>} fn
   * @param {string} [key]
   * @returns {number} the number of listeners, or -1 if key is already taken
   * @throws {TypeError} if fn is not a function or key not a string
   */
  addOnce(fn, key) {
    return this.#add('addOnce', fn, key, true);
  }

  #add(method, fn, key = '', once) {
    if (typeof fn !== 'function') {
      throw new TypeError(`${method}: listener must be a function, got ${typeName(fn)}`);
    }
    checkKey(method, key);
    const entries = this.#entries;
    if (key !== '' && indexOfKey(entries, key) >= 0) {
      return -1;
    }
    this.#entries = [...entries, { fn, key, once, claimed: false }];
    return entries.length + 1;
  }

  /**
   * Removes the listener with key. Emits already running still call it.
   * @param {string} key
   * @returns {number} the number of listeners left, or -1 if no listener has
   *   key (always for "")
   * @throws {TypeError} if key is not a string
   */
  removeListener(key) {
    checkKey('removeListener', key);
    const i = key === '' ? -1 : indexOfKey(this.#entries, key);
    return i < 0 ? -1 : this.#removeAt(i);
  }

  #removeAt(i) {
    this.#entries = this.#entries.filter((_, j) => j !== i);
    return this.#entries.length;
  }

  /** Removes every listener. Emits already running still call them. */
  reset() {
    this.#entries = NO_ENTRIES;
  }

  /**
   * The keys of the keyed listeners, in the order they were added.
   * @returns {string[]}
   */
  keys() {
    const keys = [];
    for (const entry of this.#entries) {
      if (entry.key !== '') keys.push(entry.key);
    }
    return keys;
  }

  /**
   * Whether a listener with key is present ("" never is).
   * @param {string} key
   * @returns {boolean}
   * @throws {TypeError} if key is not a string
   */
  hasKey(key) {
    checkKey('hasKey', key);
    return key !== '' && indexOfKey(this.#entries, key) >= 0;
  }

  /**
   * Delivers payload to the listeners and returns without waiting for them.
   * A sync signal calls them now, in order; an async signal starts each on a
   * microtask of its own. A listener that throws, or returns a promise that
   * rejects, does not stop the others: its error goes to onError.
   * @param {T} payload
   * @returns {void}
   */
  emit(payload) {
    const entries = this.#entries;
    if (this.#async) {
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i];
        // Claimed now, not in the microtask, so that the listener is gone
        // as soon as emit returns and a later emit cannot start it again.
        if (entry.once && !this.#claim(entry)) continue;
        queueMicrotask(() => this.#call(entry, payload));
      }
      return;
    }
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry.once && !this.#claim(entry)) continue;
      this.#call(entry, payload);
    }
  }

  // Calls the listener of entry for emit, which waits for nobody: a failure
  // goes to onError.
  #call(entry, payload) {
    try {
      const result = entry.fn(payload, NOT_ABORTABLE);
      if (isThenable(result)) {
        result.then(undefined, (error) => this.#report(error, entry.key));
      }
    } catch (error) {
      this.#report(error, entry.key);
    }
  }

  /**
   * Delivers payload to the listeners and waits for them.
   *
   * A sync signal calls the listeners in order, waiting for the promise each
   * returns, and rejects with the first error (thrown or rejected, as it
   * was); the listeners after it are not called. An async signal starts every
   * listener on its own microtask, waits for all of them, and rejects with an
   * AggregateError of their errors, in the order the listeners were added, if
   * any failed.
   *
   * If options.signal is already aborted, tryEmit rejects with its reason and
   * calls nothing. If it aborts, or options.timeout elapses (the reason is
   * then a DOMException named "TimeoutError"), while listeners run, tryEmit
   * rejects with the reason at once, without waiting for the pending
   * listeners, and a sync signal calls no further listener. Listeners get an
   * AbortSignal that aborts in both cases, so they can stop early.
   *
   * @param {T} payload
   * @param {object} [options]
   * @param {AbortSignal} [options.signal]
   * @param {number} [options.timeout] milliseconds, above 0 and at most
   *   2147483647 (the longest setTimeout delay)
   * @returns {Promise<void>} rejects with a TypeError for bad options
   */
  async tryEmit(payload, options) {
    const { signal, timeout } = tryEmitOptions(options);
    const entries = this.#entries;
    if (signal === undefined && timeout === undefined) {
      return this.#async ? this.#tryAll(entries, payload, null) : this.#tryInOrder(entries, payload, null);
    }
    const guard = new Guard(signal, timeout);
    try {
      return await (this.#async ? this.#tryAll(entries, payload, guard) : this.#tryInOrder(entries, payload, guard));
    } finally {
      guard.release();
    }
  }

  /**
   * @param {ReadonlyArray<Entry<T>>} entries
   * @param {T} payload
   * @param {Guard | null} guard
   */
  async #tryInOrder(entries, payload, guard) {
    const context = guard === null ? NOT_ABORTABLE : { signal: guard.signal };
    for (let i = 0; i < entries.length; i++) {
      // Checked between listeners only: a listener that finished its work
      // succeeded, even if the abort came while it ran.
      if (guard?.signal.aborted) throw guard.signal.reason;
      const entry = entries[i];
      if (entry.once && !this.#claim(entry)) continue;
      const result = entry.fn(payload, context);
      if (!isThenable(result)) continue;
      if (guard === null) {
        await result;
      } else {
        try {
          await Promise.race([result, guard.aborted]);
        } catch (error) {
          if (guard.signal.aborted && error === guard.signal.reason) this.#reportLate(result, error, entry.key);
          throw error;
        }
      }
    }
  }

  /**
   * @param {ReadonlyArray<Entry<T>>} entries
   * @param {T} payload
   * @param {Guard | null} guard
   */
  async #tryAll(entries, payload, guard) {
    const context = guard === null ? NOT_ABORTABLE : { signal: guard.signal };
    const runs = [];
    const keys = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry.once && !this.#claim(entry)) continue;
      // then() runs the listener on a microtask of its own and turns a throw
      // into a rejection.
      runs.push(Promise.resolve().then(() => entry.fn(payload, context)));
      keys.push(entry.key);
    }
    const settled = Promise.allSettled(runs);
    let results;
    if (guard === null) {
      results = await settled;
    } else {
      try {
        results = await Promise.race([settled, guard.aborted]);
      } catch (reason) {
        runs.forEach((run, i) => this.#reportLate(run, reason, keys[i]));
        throw reason;
      }
    }
    const errors = [];
    for (const result of results) {
      if (result.status === 'rejected') errors.push(result.reason);
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, `${errors.length} of ${results.length} listeners failed`);
    }
  }

  // Marks the addOnce listener of entry as taken by the calling emit and
  // removes it. Returns false if another emit took it first: overlapping
  // emits may all hold the entry in their snapshots.
  #claim(entry) {
    if (entry.claimed) return false;
    entry.claimed = true;
    const i = this.#entries.indexOf(entry);
    if (i >= 0) this.#removeAt(i);
    return true;
  }

  // Sends the failure of a listener a tryEmit stopped waiting for, when the
  // tryEmit was aborted with reason, to onError: nobody else will see it. A
  // listener that fails with the reason itself only stopped as asked.
  #reportLate(run, reason, key) {
    run.then(undefined, (error) => {
      if (error !== reason) this.#report(error, key);
    });
  }

  #report(error, key) {
    try {
      this.#onError(error, { key, name: this.#name });
    } catch (handlerError) {
      // A failing handler must not stop the emit that reported to it.
      console.error('signals: onError threw', handlerError, 'while reporting', error);
    }
  }
}

/**
 * Checks the options of a tryEmit: a TypeError if they are malformed, and
 * the abort reason if options.signal is already aborted.
 * @param {{signal?: AbortSignal, timeout?: number} | undefined} options
 */
export function tryEmitOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`tryEmit: options must be an object, got ${typeName(options)}`);
  }
  const { signal, timeout } = options;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`tryEmit: signal must be an AbortSignal, got ${typeName(signal)}`);
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && timeout <= MAX_TIMEOUT)) {
    const got = typeof timeout === 'number' ? String(timeout) : typeName(timeout);
    throw new TypeError(`tryEmit: timeout must be a number of milliseconds above 0 and at most ${MAX_TIMEOUT}, got ${got}`);
  }
  if (signal?.aborted) throw signal.reason;
  return { signal, timeout };
}

// Callbacks waiting for an AbortSignal, behind one 'abort' listener per
// signal: Node warns once an AbortSignal has more than 10 listeners, and many
// pending tryEmits may share one options.signal.
const abortWatchers = new WeakMap();

/** Calls callback when signal aborts; returns the function that stops that. */
export function onAbort(signal, callback) {
  let watcher = abortWatchers.get(signal);
  if (watcher === undefined) {
    const callbacks = new Set();
    const listener = () => {
      abortWatchers.delete(signal);
      for (const cb of callbacks) cb();
    };
    watcher = { callbacks, listener };
    abortWatchers.set(signal, watcher);
    signal.addEventListener('abort', listener, { once: true });
  }
  watcher.callbacks.add(callback);
  return () => {
    watcher.callbacks.delete(callback);
    if (watcher.callbacks.size === 0 && abortWatchers.get(signal) === watcher) {
      abortWatchers.delete(signal);
      signal.removeEventListener('abort', watcher.listener);
    }
  };
}

// Guard turns the signal and timeout options of one tryEmit into the one
// AbortSignal its listeners get, and a promise that rejects when that signal
// aborts. release() removes the timer and the listener on options.signal, so
// that neither outlives the tryEmit.
//
// In Node, making an AbortSignal or adding an 'abort' listener costs several
// microseconds, which is why a guard makes only what it needs: without a
// timeout the listeners get options.signal itself, and the guard listens to it
// only once a listener returns a promise that must be raced against it.
export class Guard {
  #outer;
  #stopWatching;
  #controller;
  #timer;
  #aborted;
  #rejectAborted;

  constructor(outer, timeout) {
    this.#outer = outer;
    if (timeout === undefined) {
      /** @type {AbortSignal} */
      this.signal = outer;
      return;
    }
    this.#controller = new AbortController();
    this.signal = this.#controller.signal;
    // The same reason as AbortSignal.timeout's, whose timer cannot be cleared.
    this.#timer = setTimeout(
      () => this.#abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      timeout,
    );
    if (outer !== undefined) this.#watchOuter();
  }

  /**
   * Rejects with the abort reason. Made on first use.
   * @returns {Promise<never>}
   */
  get aborted() {
    if (this.#aborted === undefined) {
      this.#aborted = new Promise((_, reject) => {
        this.#rejectAborted = reject;
      });
      // A rejection while no race awaits it is not an unhandled one.
      this.#aborted.catch(() => {});
      if (this.signal.aborted) {
        this.#rejectAborted(this.signal.reason);
      } else if (this.#controller === undefined) {
        this.#watchOuter();
      }
    }
    return this.#aborted;
  }

  #watchOuter() {
    this.#stopWatching = onAbort(this.#outer, () => this.#abort(this.#outer.reason));
  }

  // Every abort passes here (the controller is the guard's alone), so the
  // guard needs no 'abort' listener on its own signal.
  #abort(reason) {
    this.#controller?.abort(reason);
    this.#rejectAborted?.(this.signal.reason);
  }

  release() {
    clearTimeout(this.#timer);
    this.#stopWatching?.();
  }
}

function logFailure(error, { key, name }) {
  const who = (key === '' ? 'a listener' : `listener "${key}"`) + (name === '' ? '' : ` of signal "${name}"`);
  console.error(`signals: ${who} failed:`, error);
}

export function checkKey(method, key) {
  if (typeof key !== 'string') {
    throw new TypeError(`${method}: key must be a string, got ${typeName(key)}`);
  }
}

function indexOfKey(entries, key) {
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].key === key) return i;
  }
  return -1;
}

export function isThenable(value) {
  return value != null && typeof value.then === 'function';
}

// Duck-typed rather than instanceof, so that signals from other realms
// (iframes, vm contexts, jsdom) are accepted too.
function isAbortSignal(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.aborted === 'boolean' &&
    typeof value.addEventListener === 'function' &&
    typeof value.removeEventListener === 'function'
  );
}

function typeName(value) {
  return value === null ? 'null' : typeof value;
}
