#!/usr/bin/env node
// The events benchmark: Queue batches dispatched to Go listeners through the
// package's glue against the same work in a plain JavaScript queue handler,
// and a streamed response's time to first byte against a buffered one's,
// in one workerd (events.capnp). Writes its section between the
// events-bench markers of docs/benchmarks.md.
//
//   node bench/events.mjs [--runs 5] [--quick] [--out docs/benchmarks.md]
//
// Every run measures both sides of each pair, so that each ratio pairs
// figures taken side by side; the report gives medians of the runs.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from '../test/workerd.js';
import { benchOptions, cpuNs, median, publish } from './report.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const { quick, runs, out } = benchOptions(5);
const MESSAGES = quick ? 1000 : 50_000; // enough that each side takes tens of ms, above a busy scheduler's noise
const BATCH = 100; // Cloudflare's largest batch
const KB = 256;


/**
 * Milliseconds for MESSAGES messages through the queue handler of side, and
 * workerd's CPU time for them (ns); from the queue "ack" (acknowledged
 * unread) when ack is true.
 */
async function queue(base, side, ack = false) {
  const cpu = cpuNs(workerd.child.pid);
  const start = performance.now();
  const response = await fetch(`${base}/queue/${side}?n=${MESSAGES}&batch=${BATCH}${ack ? '&queue=ack' : ''}`, { method: 'POST' });
  const result = await response.json();
  const ms = performance.now() - start;
  const cpuTime = cpu === null ? null : cpuNs(workerd.child.pid) - cpu;
  const want = (MESSAGES * (MESSAGES - 1)) / 2;
  if ((side === 'js' && !ack && result.sum !== want) || result.acked !== MESSAGES || result.retried !== 0) {
    throw new Error(`${side}: ${JSON.stringify(result)}, want sum ${want} and ${MESSAGES} acked`);
  }
  return { ms, cpu: cpuTime };
}

/** Time to the first body byte and to the last, ms, of GET /body. */
async function body(base, flush) {
  const start = performance.now();
  const response = await fetch(`${base}/body?kb=${KB}&flush=${flush ? 1 : 0}`);
  const reader = response.body.getReader();
  let first;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    first ??= performance.now() - start;
    bytes += value.byteLength;
  }
  if (bytes !== KB << 10) throw new Error(`GET /body: ${bytes} bytes`);
  return { first, last: performance.now() - start };
}

const results = [];
const workerd = await startWorkerd(here('events.capnp'), ['http'], { path: '/sum' });
try {
  const base = workerd.urls.http;
  // Warm both up: V8 compiles Go's hot code with its optimizing tier only
  // after some use (the first 10,000 messages take Go several times as long).
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    for (const ack of [false, true]) {
      await queue(base, 'go', ack);
      await queue(base, 'js', ack);
    }
  }
  for (let run = 1; run <= runs; run++) {
    const go = await queue(base, 'go');
    const js = await queue(base, 'js');
    const goAck = await queue(base, 'go', true);
    const jsAck = await queue(base, 'js', true);
    const r = { go: go.ms, js: js.ms, goCpu: go.cpu, jsCpu: js.cpu, goAck: goAck.ms, jsAck: jsAck.ms, goAckCpu: goAck.cpu, jsAckCpu: jsAck.cpu };
    const buffered = [];
    const streamed = [];
    for (let i = 0; i < (quick ? 3 : 21); i++) {
      buffered.push(await body(base, false));
      streamed.push(await body(base, true));
    }
    r.buffered = { first: median(buffered.map((b) => b.first)), last: median(buffered.map((b) => b.last)) };
    r.streamed = { first: median(streamed.map((b) => b.first)), last: median(streamed.map((b) => b.last)) };
    results.push(r);
    console.error(`run ${run} of ${runs}: ${JSON.stringify(r)}`);
  }
} finally {
  await workerd.stop();
}

const med = (f) => median(results.map(f));
const ms = (v) => v.toFixed(2) + ' ms';
const rate = (v) => `${Math.round(v).toLocaleString('en-US')} msg/s`;
const x = (v) => v.toFixed(2) + 'x';
const goRate = med((r) => MESSAGES / (r.go / 1000));
const jsRate = med((r) => MESSAGES / (r.js / 1000));
const ratio = med((r) => r.js / r.go); // Go's throughput over JavaScript's
const overheadUs = med((r) => ((r.go - r.js) * 1000) / MESSAGES);
const ackRatio = med((r) => r.jsAck / r.goAck);
const cpuKnown = results.every((r) => r.goCpu !== null);
const cpuUs = (side) => med((r) => r[side] / 1000 / MESSAGES);

const section = `
## Events: Queue batches and streamed responses

\`node worker/bench/events.mjs\` (\`make bench-events\`, part of \`make bench\`), ${runs} runs, medians; each ratio is taken
within a run. One workerd serves worker/bench/events-entry.mjs: its fetch handler hands ${MESSAGES.toLocaleString('en-US')} Queue
messages (JSON bodies, ${BATCH} a batch, as Cloudflare's largest batch) to a queue handler, either **Go** (the glue's
\`goQueue\`: each batch crosses into Go's memory, a \`Pipeline.Queue\` listener decodes each body with \`Message.Decode\`,
checks it and adds up its number, and each message is acknowledged) or **plain JS** (a queue handler doing the same
check, sum and acknowledgement). Both get the same batch objects, built in the timed loop; as on Cloudflare, a JavaScript handler
finds each body already decoded (it reads \`body.n\`), while Go's side pays for turning it into JSON, crossing into
Go and decoding it with encoding/json (the messages of a batch run in order on one goroutine). The same again with
messages that both handlers acknowledge unread (the queue "ack") gives the cost of the glue alone: what is left between
the two rows is encoding/json's \`Unmarshal\` in WebAssembly, most of Go's cost per message. After ${quick ? 1 : 3} warm-up
rounds of each side, as V8 optimizes Go's code only once it has run a while. On Cloudflare the platform decodes each
body (structured clone, or JSON) before either handler runs; here the bodies are built in JavaScript, so that cost,
the same for both sides, is in neither figure, and the ratio is Go's worst case. The client times the
whole request; workerd's CPU time for it (the schedstat of its threads) is given too, as other work on a busy machine
inflates wall time but not CPU time. Then GET of a ${KB} KB body that a Go handler writes in 16 KB
pieces, **buffered** or **streamed** (a \`Flush\` after each piece), timed to its first and last body byte by Node's
fetch. ${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the end.

| figure | Go | plain JS | ratio | target |
|---|---|---|---|---|
| queue throughput, ${MESSAGES.toLocaleString('en-US')} messages | ${rate(goRate)} | ${rate(jsRate)} | ${x(ratio)} of plain JS | ≥ 1/3 of plain JS: ${ratio >= 1 / 3 ? 'met' : '**missed**'} |
| Go's cost per message over plain JS | ${overheadUs.toFixed(1)} µs | | | reported |
${cpuKnown ? `| workerd's CPU time per message | ${cpuUs('goCpu').toFixed(2)} µs | ${cpuUs('jsCpu').toFixed(2)} µs | ${x(med((r) => r.goCpu / r.jsCpu))} plain JS's | reported |
` : ''}| acknowledged unread: throughput | ${rate(med((r) => MESSAGES / (r.goAck / 1000)))} | ${rate(med((r) => MESSAGES / (r.jsAck / 1000)))} | ${x(ackRatio)} of plain JS | reported |
${cpuKnown ? `| acknowledged unread: workerd's CPU time per message | ${cpuUs('goAckCpu').toFixed(2)} µs | ${cpuUs('jsAckCpu').toFixed(2)} µs | ${x(med((r) => r.goAckCpu / r.jsAckCpu))} plain JS's | reported |
` : ''}
| ${KB} KB response | buffered | streamed | streamed / buffered |
|---|---|---|---|
| time to first byte | ${ms(med((r) => r.buffered.first))} | ${ms(med((r) => r.streamed.first))} | ${x(med((r) => r.streamed.first / r.buffered.first))} |
| time to last byte | ${ms(med((r) => r.buffered.last))} | ${ms(med((r) => r.streamed.last))} | ${x(med((r) => r.streamed.last / r.buffered.last))} |
`;

publish(out, 'events-bench', section);
