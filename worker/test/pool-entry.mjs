// The Worker of pool.test.js: the hostile-handler Worker's Go program
// (worker/internal/hostileworker, built into build/hostile) behind the
// glue's goFetch, and GET /pool, which answers the pool's stats() here,
// without going through the pool: looking is no traffic for it. POST
// /scheduled?cron= runs the glue's scheduled handler in the request's
// context, as raw workerd has no Cron Triggers to fire: it answers once
// the handler has settled.
import { goFetch, goScheduled } from "./worker.mjs";
import app from "./app.wasm";

const go = goFetch(app);
const scheduled = goScheduled(app);

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/pool") return Response.json(go.stats() ?? null);
    if (url.pathname === "/scheduled" && request.method === "POST") {
      try {
        await scheduled({ cron: url.searchParams.get("cron"), scheduledTime: Date.now() }, env, ctx);
        return new Response("ran");
      } catch (error) {
        return new Response(String(error), { status: 500 });
      }
    }
    return go(request, env, ctx);
  },
};
