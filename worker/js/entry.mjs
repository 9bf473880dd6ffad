// The entry module of a Worker that the edgeworker command builds: GET and
// HEAD requests for a static file (assets.mjs, from the -static folder) are
// answered here, requests under /hub/ by the signal hub when the Worker
// binds one as HUB (edgeworker -hub, with its Go rules if -hub-rules),
// everything else by the Go program
// (app.wasm) through the glue of worker.mjs, and so are the Worker's Cron
// Triggers and Queue batches (worker.Pipeline's Scheduled and Queue signals).
import { goFetch, goQueue, goScheduled } from "./worker.mjs";
import { SignalHub as Hub, routeHub } from "./hub.mjs";
import rules from "./hub-rules.mjs";
import app from "./app.wasm";
import assets from "./assets.mjs";

const go = goFetch(app);

// The signal hub's Durable Object class, for a HUB binding to name, with
// the Go rules of edgeworker -hub-rules (rules is null without them).
export class SignalHub extends Hub {
  static options = { rules };
}

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url); // parsed once: a parse costs microseconds
    if (request.method === "GET" || request.method === "HEAD") {
      const response = serveStatic(request, url);
      if (response) return response;
    }
    if (env.HUB && url.pathname.startsWith("/hub/")) {
      const response = routeHub(request, env.HUB);
      if (response) return response;
    }
    return go(request, env, ctx);
  },
  scheduled: goScheduled(app),
  queue: goQueue(app),
};

// A file whose name carries its content hash never changes; the others are
// checked with the browser on every use (ETag, 304).
const IMMUTABLE = "public, max-age=31536000, immutable";

function serveStatic(request, url) {
  let path;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return undefined; // not a file name; Go answers
  }
  if (path.endsWith("/")) path += "index.html";
  const asset = assets.get(path);
  if (!asset) {
    // A folder asked for without its slash: relative links need it.
    if (assets.has(path + "/index.html")) {
      return new Response(null, { status: 301, headers: { location: url.pathname + "/" + url.search } });
    }
    return undefined;
  }
  const headers = new Headers({
    "content-type": asset.type,
    "cache-control": asset.immutable ? IMMUTABLE : "no-cache",
    etag: asset.etag,
  });
  if (asset.gzip) headers.set("vary", "accept-encoding");
  if (matches(request.headers.get("if-none-match"), asset.etag)) {
    return new Response(null, { status: 304, headers });
  }
  const head = request.method === "HEAD";
  if (!asset.gzip) return new Response(head ? null : asset.body, { headers });
  if (acceptsGzip(request.headers.get("accept-encoding"))) {
    // The body is gzip already: workerd must send it as it is.
    headers.set("content-encoding", "gzip");
    return new Response(head ? null : asset.body, { headers, encodeBody: "manual" });
  }
  const body = head ? null : new Response(asset.body).body.pipeThrough(new DecompressionStream("gzip"));
  return new Response(body, { headers });
}

// Whether an If-None-Match header names etag, or is "*" (a weak
// comparison, as RFC 9110 asks for If-None-Match).
function matches(header, etag) {
  if (header === null) return false;
  const opaque = (tag) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === opaque(etag));
}

// Whether an Accept-Encoding header allows gzip: named, or "*", without q=0.
function acceptsGzip(header) {
  if (header === null) return false;
  let gzip;
  let any;
  for (const part of header.split(",")) {
    const [coding, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const refused = params.some((p) => /^q=0(\.0*)?$/.test(p));
    if (coding === "gzip") gzip = !refused;
    else if (coding === "*") any = !refused;
  }
  return gzip ?? any ?? false;
}
