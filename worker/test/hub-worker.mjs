// The Worker of the hub tests (hub.test.js): two hub classes, the stock one
// under /hub/ and one with a small log and window under /small/, and a
// route that evicts every Durable Object (workerd:unsafe, --experimental).
import unsafe from "workerd:unsafe";
import { SignalHub, routeHub } from "./hub.mjs";

export { SignalHub };

export class SmallHub extends SignalHub {
  static options = { logCount: 5, logAgeMs: 3000, window: 8, maxMessageBytes: 1024 };
}

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/evict") {
      await unsafe.evictAllDurableObjects();
      return new Response("evicted");
    }
    return (
      routeHub(request, env.HUB) ??
      routeHub(request, env.SMALL, "/small/") ??
      new Response("not found", { status: 404 })
    );
  },
};
