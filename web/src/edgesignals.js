// The classic-script build of edgesignals, for pages without a bundler or
// modules of their own:
//
//   <script src="edgesignals.js"></script>
//   <script>
//     EdgeSignals.load().then((es) => { const orders = es.createSignal({ name: 'orders' }); });
//   </script>
//
// It is a thin door into the ES module build rather than a second copy of it:
// load() imports index.js next to this file with a dynamic import(), which
// classic scripts may use. So there is no bundler step and nothing to keep in
// sync, but for one thing: it starts the Go module's download and compile
// itself, so that they overlap that import. The only global it adds is EdgeSignals; loading then adds the globals
// of wasm_exec.js (Go, and fs, process and path where missing) and the host
// hook of index.js. Pages with a Content-Security-Policy must allow
// 'wasm-unsafe-eval' in script-src, as for any WebAssembly.
(() => {
  'use strict';

  // currentScript is only set while this file is evaluated, so read it now.
  // The URL of this script, not of the page, is where index.js lives.
  const base = document.currentScript?.src;

  let module; // the import of index.js, shared by every load()

  globalThis.EdgeSignals = {
    /**
     * Loads edgesignals.wasm and starts its Go program, as load() of the
     * module build does.
     * @param {string | URL | Response | BufferSource | WebAssembly.Module} [source]
     *   the module; by default edgesignals.wasm next to this file. A relative
     *   URL is taken relative to the page, as fetch() would.
     * @returns {Promise<import('./index.js').EdgeSignals>}
     */
    async load(source) {
      if (!base) throw new Error('EdgeSignals: load edgesignals.js with a <script src> tag');
      // A failed import is forgotten, so that a later load() tries again.
      module ??= import(new URL('./index.js', base).href).catch((error) => {
        module = undefined;
        throw error;
      });
      // The Go module downloads and compiles meanwhile, rather than once
      // index.js and its imports are in.
      const early = source === undefined || typeof source === 'string' || source instanceof URL ? compile(source) : source;
      early.catch?.(() => {}); // awaited below, unless the import failed
      const { load, Signal, GoSignal, GoError } = await module;
      // For instanceof checks and new Signal(): handy once the module is here.
      Object.assign(globalThis.EdgeSignals, { Signal, GoSignal, GoError });
      return load(await early);
    },
  };

  /**
   * Fetches source (by default edgesignals.wasm next to this file; a string
   * is resolved against the page, as fetch() resolves it) and, if it is
   * served as application/wasm, compiles it while it downloads. Else it
   * hands load() the response, or on a failed fetch the URL, to report or
   * compile as load() does.
   */
  async function compile(source) {
    const url = source === undefined ? new URL('./edgesignals.wasm', base) : new URL(source, document.baseURI);
    const response = await fetch(url).catch(() => undefined);
    if (!response) return url;
    const type = response.headers.get('content-type')?.split(';')[0].trim().toLowerCase();
    if (!response.ok || type !== 'application/wasm' || typeof WebAssembly.compileStreaming !== 'function') return response;
    return WebAssembly.compileStreaming(response);
  }
})();
