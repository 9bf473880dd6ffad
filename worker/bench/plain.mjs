// The edge benchmark's baseline: a plain JavaScript Worker doing the work of
// the example's GET /health (route, request id, JSON answer).
export default {
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method !== "GET" || pathname !== "/health") {
      return Response.json({ error: "Not Found" }, { status: 404 });
    }
    const id = Math.floor(Math.random() * 2 ** 53).toString(36);
    return Response.json({ ok: true }, { headers: { "x-request-id": id } });
  },
};
