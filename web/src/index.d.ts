// Types of the edgesignals package. The JavaScript sources' JSDoc says the
// same in more words.

/** What a listener receives besides the payload. */
export interface ListenerContext {
  /** Aborts when the tryEmit that called the listener is aborted or times out. */
  readonly signal: AbortSignal;
}

/** A listener; a returned promise is awaited by tryEmit, and its rejection is a failure. */
export type Listener<T> = (payload: T, context: ListenerContext) => unknown;

export interface TryEmitOptions {
  /** Rejects the tryEmit with its reason when it aborts. */
  signal?: AbortSignal;
  /** Milliseconds; rejects with a DOMException named "TimeoutError" when they elapse. */
  timeout?: number;
}

/** The operations shared by signals created in JavaScript and signals exported by Go. */
export interface SignalLike<T> {
  readonly size: number;
  /** Returns the number of listeners, or -1 if key is taken. Throws a TypeError for a non-function or a non-string key. */
  addListener(fn: Listener<T>, key?: string): number;
  /** Like addListener, but the listener runs for one emit at most. */
  addOnce(fn: Listener<T>, key?: string): number;
  /** Returns the number of listeners left, or -1 if no listener has key. Throws a TypeError for a non-string key. */
  removeListener(key: string): number;
  reset(): void;
  /** Keys of the keyed listeners, in the order they were added. */
  keys(): string[];
  /** Throws a TypeError for a non-string key. */
  hasKey(key: string): boolean;
  /**
   * Fire and forget: failures go to the signal's error handler. On a GoSignal, a payload Go cannot take
   * throws a TypeError.
   */
  emit(payload: T): void;
  /**
   * Resolves once every listener succeeded; rejects with the first failure (sync) or an AggregateError (async),
   * with the abort reason, or with a TypeError for malformed options (or, on a GoSignal, a payload Go cannot take).
   */
  tryEmit(payload: T, options?: TryEmitOptions): Promise<void>;
}

export interface SignalOptions {
  /** Start each listener on its own microtask instead of calling them in order. */
  async?: boolean;
  /**
   * Names the signal in error reports. Through createSignal it also makes the signal findable with signal(name),
   * and the Go listeners registered for that name join it.
   */
  name?: string;
  /**
   * Receives the failures nobody waits for: emit's, and those of listeners that an aborted tryEmit stopped
   * waiting for. Default: console.error.
   */
  onError?: (error: unknown, info: { key: string; name: string }) => void;
}

/** A signal whose listeners live in JavaScript. */
export declare class Signal<T = unknown> {
  /** Throws a TypeError for malformed options. */
  constructor(options?: SignalOptions);
  readonly async: boolean;
  readonly name: string;
}
export interface Signal<T = unknown> extends SignalLike<T> {}

/** A signal exported by Go with jsbridge.Export; its listeners live in Go. */
export declare class GoSignal<T = unknown> {
  private constructor();
  readonly async: boolean;
}
export interface GoSignal<T = unknown> extends SignalLike<T> {}

/** A Go listener's failure: message is the Go error text, name its kind ("GoError", "PanicError"), key the listener's key. */
export declare class GoError extends Error {
  readonly key?: string;
}

/** What crosses into Go: numbers, strings, booleans, null, Uint8Arrays, arrays and plain objects of these. */
export type GoPayload = number | string | boolean | null | Uint8Array | GoPayload[] | { [key: string]: GoPayload };

export interface EdgeSignals {
  /** Throws a TypeError for malformed options or a name that a signal has already. */
  createSignal<T = unknown>(options?: SignalOptions): Signal<T>;
  /** The signal called name; throws a TypeError if there is none. */
  signal<T = unknown>(name: string): SignalLike<T>;
  /** signal(name).emit(payload): throws a TypeError if there is no signal called name. */
  emit(name: string, payload: unknown): void;
  /** signal(name).tryEmit(payload, options): rejects with a TypeError if there is no signal called name. */
  tryEmit(name: string, payload: unknown, options?: TryEmitOptions): Promise<void>;
}

/**
 * Loads a Go module built with `GOOS=js GOARCH=wasm` whose main calls `jsbridge.Serve()`, and starts it; by
 * default edgesignals.wasm next to this file. A string is a URL or a path, resolved as `fetch()` resolves it in a
 * page (against the document's base URL) and against the current directory in Node (`load('./app.wasm')`); a
 * response served as `application/wasm` is compiled while it downloads. In a page, a
 * `<link rel="preload" href="app.wasm" as="fetch" type="application/wasm" crossorigin>` in the head starts the
 * download with the page, and `load('app.wasm')` takes that response (without `crossorigin`, the browser fetches
 * the module twice). Rejects with a clear error if the module was built by another Go release than this package's
 * wasm_exec.js, or with another bridge protocol.
 */
export declare function load(source?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<EdgeSignals>;

// The hub client: signals shared through a signal hub (hub.d.ts).
export * from './hub.js';
