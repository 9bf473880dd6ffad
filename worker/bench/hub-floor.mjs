// The floor of the hub benchmark: a Durable Object speaking the hub's
// frames (docs/hub.md) with the least work that keeps its promise of a
// stored seq: one SQLite write per event, then a broadcast. No replay log,
// no windows, no attachments, no resume.
import { DurableObject } from "cloudflare:workers";

export class FloorHub extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    this.head = this.sql.exec("SELECT value FROM meta WHERE key = 'seq'").toArray()[0]?.value ?? 0;
  }

  async fetch(request) {
    if (request.headers.get("upgrade") !== "websocket") return new Response("a WebSocket only", { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    const subscribe = new URL(request.url).searchParams.get("subscribe") !== "0";
    this.ctx.acceptWebSocket(server, subscribe ? ["sub"] : []);
    server.send(JSON.stringify({ t: "hello", seq: this.head }));
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Extensions": "identity" } });
  }

  async webSocketMessage(ws, message) {
    const frame = JSON.parse(message);
    if (frame.t !== "emit") return;
    const seq = ++this.head;
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('seq', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", seq);
    const text = `{"t":"event","seq":${seq},"data":${JSON.stringify(frame.data)}}`;
    for (const sub of this.ctx.getWebSockets("sub")) sub.send(text);
    // The ack goes after the broadcast, as the hub's does: the bench's
    // emitter sends the next event on the ack, and an ack ahead of the
    // frames would queue that event behind them (N=1,000: p50 57 ms
    // against 32 ms), which is pacing, not work.
    ws.send(`{"t":"ack","id":${frame.id},"seq":${seq}}`);
  }

  async webSocketClose(ws) {
    try {
      ws.close(1000);
    } catch {}
  }
}
