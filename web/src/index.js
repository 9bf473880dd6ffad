// The edgesignals package: typed event signals shared by JavaScript and Go.
//
//   import { load } from 'edgesignals';
//   const es = await load();
//   const orders = es.createSignal({ name: 'orders' });

import './wasm_exec.js'; // defines globalThis.Go, from the Go toolchain that built edgesignals.wasm
import { WASM_EXEC_GO } from './wasm_exec_go.js';
import { Signal } from './signal.js';
import { Host, GoSignal, GoError } from './bridge.js';

export { Signal, GoSignal, GoError };
export { connect, HubError } from './hub.js';

const HOST_GLOBAL = '__edgesignals_host'; // where jsbridge.Serve takes the host from
// Node's modules, named by variables so that bundlers for the browser or
// Workers leave these imports alone.
const NODE_FS = 'node:fs/promises';
const NODE_URL = 'node:url';

let loading = Promise.resolve(); // loads one module at a time, since they share HOST_GLOBAL

/**
 * Loads a Go module built with GOOS=js GOARCH=wasm whose main calls
 * jsbridge.Serve, and starts it.
 * @param {string | URL | Response | BufferSource | WebAssembly.Module} [source]
 *   the module; by default edgesignals.wasm next to this file. A string is a
 *   URL or path resolved as fetch() resolves it in a page (against the
 *   document's base URL), and against the current directory in Node.
 * @returns {Promise<EdgeSignals>}
 */
export function load(source) {
  const next = loading.then(() => start(source));
  loading = next.catch(() => {});
  return next;
}

async function start(source) {
  const go = new globalThis.Go();
  const [module, where] = await compile(source === undefined ? new URL('./edgesignals.wasm', import.meta.url) : source);
  checkImports(module, go.importObject, where);
  const instance = await WebAssembly.instantiate(module, go.importObject);
  const host = new Host(instance, go, where);
  globalThis[HOST_GLOBAL] = host;
  const exited = host.run().then(() => {
    throw host.refusal ?? new Error(`edgesignals: the Go program of ${where} exited before it was ready (does its main call jsbridge.Serve?)`);
  });
  try {
    await Promise.race([host.started, exited]);
    if (host.refusal) throw host.refusal;
  } finally {
    delete globalThis[HOST_GLOBAL]; // Serve takes it away too, unless the program failed first
  }
  return new EdgeSignals(host);
}

/** Compiles source; returns the module and how to name it in errors. */
async function compile(source) {
  if (source instanceof WebAssembly.Module) return [source, 'the module'];
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return [await compileResponse(source, source.url || 'the Response'), source.url || 'the module'];
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return [await WebAssembly.compile(source), 'the module'];
  const url = await resolve(source);
  if (url.protocol === 'file:') {
    // fetch() cannot read files in Node.
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
    return [await WebAssembly.compile(await readFile(url)), url.href];
  }
  return [await compileResponse(await fetch(url), url.href), url.href];
}

/**
 * The URL of source: a URL as it is; a string as fetch() resolves it in a
 * page, and in Node as a path from the current directory (or a URL, if it
 * starts with a scheme such as file: or https:).
 */
async function resolve(source) {
  if (source instanceof URL) return source;
  if (typeof source !== 'string') {
    throw new TypeError(`load: source must be a URL or path string, a URL, a Response, bytes or a WebAssembly.Module, got ${
      source === null ? 'null' : typeof source}`);
  }
  if (globalThis.process?.versions?.node !== undefined) {
    if (/^[a-z][a-z\d+.-]+:/i.test(source)) return new URL(source); // a scheme of two letters or more: not C:\
    const { pathToFileURL } = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_URL);
    return pathToFileURL(source); // relative to process.cwd()
  }
  const base = globalThis.document?.baseURI ?? globalThis.location?.href;
  try {
    return new URL(source, base);
  } catch {
    throw new TypeError(`load: ${JSON.stringify(source)} is no URL, and there is no page to resolve it against: ` +
      'pass an absolute URL, a Response or a WebAssembly.Module');
  }
}

/**
 * Compiles the module in response: while it downloads if it is served as
 * application/wasm (which also lets the browser cache the compiled code),
 * else from its bytes.
 */
async function compileResponse(response, where) {
  if (!response.ok) throw new Error(`edgesignals: fetching ${where} failed: ${response.status}`);
  const type = response.headers.get('content-type')?.split(';')[0].trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/**
 * Refuses a module that imports functions this package's wasm_exec.js does
 * not define: one built by a Go release whose wasm_exec.js differs, which
 * would otherwise fail to instantiate with a LinkError naming an import.
 */
function checkImports(module, importObject, where) {
  const missing = WebAssembly.Module.imports(module)
    .filter(({ module: from, name, kind }) => kind === 'function' && typeof importObject[from]?.[name] !== 'function')
    .map(({ module: from, name }) => `${from}.${name}`);
  if (missing.length > 0) {
    throw new Error(`edgesignals: ${where} needs ${missing.join(', ')}, which this package's wasm_exec.js ` +
      `(from ${WASM_EXEC_GO}) does not provide: build the module with the Go release of that wasm_exec.js`);
  }
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
   * @param {{async?: boolean, name?: string, onError?: (error: unknown, info: {key: string, name: string}) => void}} [options]
   * @throws {TypeError} for malformed options, or a name that a signal has already
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
