// The example Worker's entry: the demo page and the npm package's files are
// answered here, everything else by the Go pipeline (app.go).
import { goFetch } from "./build/worker.mjs";
import app from "./build/app.wasm";
import assets from "./build/assets.mjs";

const go = goFetch(app);

export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname === "/") return Response.redirect(new URL("/demo/", request.url), 302);
    const asset = assets[pathname.endsWith("/") ? pathname + "index.html" : pathname];
    if (asset && (request.method === "GET" || request.method === "HEAD")) {
      return new Response(request.method === "HEAD" ? null : asset.body, {
        headers: { "content-type": asset.type, "cache-control": "no-cache" },
      });
    }
    return go(request, env, ctx);
  },
};
