// The Worker of the hub tests (hub*.test.js): three hub classes, the stock
// one under /hub/, one with a small log and window under /small/ and one
// with rules in Go under /ruled/; a route that evicts every Durable Object
// (workerd:unsafe, --experimental), one where the npm package's client
// emits from inside the Worker, and one that emits through a stub's RPC.
import unsafe from "workerd:unsafe";
import { SignalHub, routeHub } from "./hub.mjs";
import { connect } from "./client/hub.js";
import rules from "./testrules.wasm";

export { SignalHub };

export class SmallHub extends SignalHub {
  static options = { logCount: 5, logAgeMs: 3000, window: 8, maxMessageBytes: 1024 };
}

// Rules in Go (worker/internal/testrules) and a small limit.
export class RuledHub extends SignalHub {
  static options = { rules, maxMessageBytes: 1024 };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/evict") {
      await unsafe.evictAllDurableObjects();
      return new Response("evicted");
    }
    if (url.pathname === "/client") {
      // The npm package's client inside a Worker: emits the body on the
      // signal named by ?signal= through this Worker's own address, and
      // answers with the seq once the hub stored it.
      const hub = connect(url.origin + "/hub/");
      try {
        const seq = await hub.signal(url.searchParams.get("signal")).tryEmit(await request.json(), { timeout: 5000 });
        return Response.json({ seq });
      } finally {
        hub.close();
      }
    }
    if (url.pathname.startsWith("/rpc/")) {
      // emitJSON on the SMALL hub's signal named by the rest of the path,
      // with the body as the event's JSON text (?name= overrides the name
      // passed): answers what the call resolved with.
      const name = url.pathname.slice("/rpc/".length);
      const passed = url.searchParams.has("name") ? JSON.parse(url.searchParams.get("name")) : name;
      return Response.json(await env.SMALL.getByName(name).emitJSON(passed, await request.text()));
    }
    return (
      routeHub(request, env.HUB) ??
      routeHub(request, env.SMALL, "/small/") ??
      routeHub(request, env.RULED, "/ruled/") ??
      new Response("not found", { status: 404 })
    );
  },
};
