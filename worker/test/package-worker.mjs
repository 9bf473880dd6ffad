// A Worker that uses the npm package as Workers users do: the module is
// imported as a WebAssembly.Module and handed to load() inside a request.
// POST an order: 200 if the Go listener accepts it, 422 with its error if not.
import { load } from './src/index.js';
import wasm from './src/edgesignals.wasm';

let orders; // kept across requests, with the Go program behind it

export default {
  async fetch(request) {
    orders ??= (await load(wasm)).createSignal({ name: 'orders' });
    try {
      await orders.tryEmit(await request.json());
      return Response.json({ ok: true, keys: orders.keys() });
    } catch (error) {
      return Response.json({ name: error.name, message: error.message, key: error.key ?? null }, { status: 422 });
    }
  },
};
