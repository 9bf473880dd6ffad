// The events benchmark's Worker (worker/bench/events.mjs): the Go program of
// eventsworker/ through the package's glue, and the same queue work in plain
// JavaScript. POST /queue/go?n=N&batch=B and /queue/js?n=N&batch=B hand N
// messages, B at a time, to the queue handler and answer once every batch
// is settled with the acknowledged and retried counts (and, for JS, the sum
// of the numbers; Go's listeners check each body themselves, as Go's sum is
// per runtime); with &queue=ack, the batches come from the queue "ack",
// whose handlers acknowledge each message without reading its body.
// Everything else goes to Go.
import { goFetch, goQueue } from "./build/events/worker.mjs";
import app from "./build/events/app.wasm";

const go = goFetch(app);
const goQueueHandler = goQueue(app);

// The plain JavaScript consumer: the same work as the Go listener.
let jsSum = 0;
async function jsQueueHandler(batch) {
  if (batch.queue === "ack") {
    for (const message of batch.messages) message.ack();
    return;
  }
  for (const message of batch.messages) {
    const { n, twice, item } = message.body;
    if (twice !== 2 * n || item !== "tea") {
      message.retry();
      continue;
    }
    jsSum += n;
    message.ack();
  }
}

// A batch as Cloudflare hands it to a queue handler; acks and retries are counted.
function makeBatch(queue, from, size, settled) {
  const messages = [];
  for (let i = from; i < from + size; i++) {
    messages.push({
      id: `m${i}`,
      timestamp: new Date(),
      attempts: 1,
      body: { n: i, twice: 2 * i, item: "tea" },
      ack: () => settled.acked++,
      retry: () => settled.retried++,
    });
  }
  return { queue, messages, ackAll() {}, retryAll() {} };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const match = url.pathname.match(/^\/queue\/(go|js)$/);
    if (!match) return go(request, env, ctx);
    const n = Number(url.searchParams.get("n"));
    const size = Number(url.searchParams.get("batch"));
    const queue = url.searchParams.get("queue") ?? "bench";
    const settled = { acked: 0, retried: 0 };
    for (let from = 0; from < n; from += size) {
      const batch = makeBatch(queue, from, Math.min(size, n - from), settled);
      if (match[1] === "go") await goQueueHandler(batch, env, ctx);
      else await jsQueueHandler(batch, env, ctx);
    }
    let sum = null;
    if (match[1] === "js" && queue !== "ack") {
      sum = jsSum;
      jsSum = 0;
    }
    return Response.json({ sum, ...settled });
  },
};
