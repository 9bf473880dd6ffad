// The Worker of pool.test.js: the hostile-handler Worker's Go program
// (worker/internal/hostileworker, built into build/hostile) behind the
// glue's goFetch, and GET /pool, which answers the pool's stats() here,
// without going through the pool: looking is no traffic for it.
import { goFetch } from "./worker.mjs";
import app from "./app.wasm";

const go = goFetch(app);

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/pool") return Response.json(go.stats() ?? null);
    return go(request, env, ctx);
  },
};
