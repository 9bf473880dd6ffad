// The edge benchmark's baseline: a plain JavaScript Worker doing the work of
// the example's GET /health (route, request id, JSON answer, and what its
// Done listeners do: an entry in a log of the last 100 requests, a count by
// status).
const log = [];
const byStatus = new Map();

function done(id, request, pathname, status, started) {
  const durationUS = Math.round((performance.now() - started) * 1000);
  log.push({ id, method: request.method, path: pathname, status, durationUS });
  if (log.length > 100) log.shift();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
}

export default {
  fetch(request) {
    const started = performance.now();
    const { pathname } = new URL(request.url);
    const id = Math.floor(Math.random() * 2 ** 53).toString(36);
    if (request.method !== "GET" || pathname !== "/health") {
      done(id, request, pathname, 404, started);
      return Response.json({ error: "Not Found" }, { status: 404, headers: { "x-request-id": id } });
    }
    done(id, request, pathname, 200, started);
    return Response.json({ ok: true }, { headers: { "x-request-id": id } });
  },
};
