// The peer of the hub benchmark: partyserver (npm), whose Server is a
// Durable Object per room; this one broadcasts every message it gets to
// every connection of the room, as partyserver's examples do. Bundled by
// esbuild for raw workerd (worker/bench/hub.mjs does it).
import { Server, routePartykitRequest } from "partyserver";

export class Party extends Server {
  static options = { hibernate: true };

  onMessage(connection, message) {
    this.broadcast(message);
  }
}

export default {
  async fetch(request, env) {
    return (await routePartykitRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
};
