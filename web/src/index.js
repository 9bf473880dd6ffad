// The edgesignals package: typed event signals shared by JavaScript and Go.
//
//   import { load } from 'edgesignals';
//   const es = await load();
//   const orders = es.createSignal({ name: 'orders' });

import './wasm_exec.js'; // defines globalThis.Go, from the Go toolchain that built the module
import { Signal } from './signal.js';
import { Host, GoSignal, GoError } from './bridge.js';

export { Signal, GoSignal, GoError };

const HOST_GLOBAL = '__edgesignals_host';
const NODE_FS = 'node:fs/promises'; // where jsbridge.Serve takes the host from

let loading = Promise.resolve(); // loads one module at a time, since they share HOST_GLOBAL

/**
 * Loads edgesignals.wasm and starts its Go program.
 * @param {string | URL | Response | BufferSource | WebAssembly.Module} [source]
 *   the module; by default edgesignals.wasm next to this file
 * @returns {Promise<EdgeSignals>}
 */
export function load(source) {
  const next = loading.then(() => start(source));
  loading = next.catch(() => {});
  return next;
}

async function start(source) {
  const go = new globalThis.Go();
  const module = await compile(source ?? new URL('./edgesignals.wasm', import.meta.url));
  const instance = await WebAssembly.instantiate(module, go.importObject);
  const host = new Host(instance, go);
  globalThis[HOST_GLOBAL] = host;
  const exited = host.run().then(() => {
    throw host.refusal ?? new Error('edgesignals: the Go program exited before it was ready (does its main call jsbridge.Serve?)');
  });
  try {
    await Promise.race([host.started, exited]);
    if (host.refusal) throw host.refusal;
  } finally {
    delete globalThis[HOST_GLOBAL]; // Serve takes it away too, unless the program failed first
  }
  return new EdgeSignals(host);
}

async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return WebAssembly.compile(await source.arrayBuffer());
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  const url = source instanceof URL ? source : new URL(String(source), import.meta.url);
  if (url.protocol === 'file:') {
    // fetch() cannot read files in Node. The module name is a variable so
    // that bundlers for the browser or Workers leave this import alone.
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`edgesignals: fetching ${url} failed: ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}

/** What load() resolves to: signals created here and signals exported by Go. */
export class EdgeSignals {
  #host;

  constructor(host) {
    this.#host = host;
  }

  /**
   * Creates a signal. A named signal can be found with signal(name), and Go
   * listeners registered for that name (jsbridge.Listen) join it.
   * @param {{async?: boolean, name?: string, onError?: (err: unknown) => void}} [options]
   */
  createSignal(options = {}) {
    const { name } = options;
    if (name !== undefined && typeof name !== 'string') {
      throw new TypeError(`createSignal: name must be a string, got ${typeof name}`);
    }
    if (name !== undefined && this.#find(name)) {
      throw new TypeError(`createSignal: a signal named ${JSON.stringify(name)} exists already`);
    }
    const signal = new Signal(options);
    if (name !== undefined) this.#host.register(signal, name);
    return signal;
  }

  /** The signal called name, created in JavaScript or exported by Go; a TypeError if there is none. */
  signal(name) {
    const found = this.#find(name);
    if (!found) throw new TypeError(`signal: no signal named ${JSON.stringify(name)}`);
    return found;
  }

  #find(name) {
    return this.#host.signals.get(name) ?? this.#host.exported.get(name);
  }

  emit(name, payload) {
    this.signal(name).emit(payload);
  }

  async tryEmit(name, payload, options) {
    return this.signal(name).tryEmit(payload, options);
  }
}
