// The Workers entry glue of the Go package worker: it runs a Go program that
// calls worker.Serve and hands it the requests, reusing Go runtimes.
//
// Workers binds every promise and timer to the request that created it. A
// Go runtime serving two requests at once leaves its wake-up timer in one of
// them, which is cancelled when that request ends, and the runtime hangs.
// So each runtime serves one request at a time; it goes back to the pool
// only when all of its work is over and no timer is pending, and is dropped
// otherwise. Runtimes start inside a request, as Go asks for random numbers
// at start-up, which Workers forbids at global scope.
//
// wasm_exec.js is Go's own, from the toolchain that built the module (the
// edgeworker command copies it); ownGlobal gives each runtime the global
// `context` that syumai/workers' bindings read.
import "./wasm_exec.js";

const utf8 = { encoder: new TextEncoder(), decoder: new TextDecoder() };

class Runtime {
  // Starts the Go program of module; resolves once it called worker.Serve.
  static async start(module, env, ctx) {
    const rt = new Runtime();
    const go = (rt.go = new Go());
    // What the Go side reads as the global `context`: syumai's bindings use
    // env and ctx, worker.Serve fills in binding.
    rt.context = {
      env,
      ctx,
      binding: {
        respond: (...args) => rt.request?.respond(...args),
        settle: (...args) => rt.request?.settle(...args),
        chunk: (...args) => rt.request?.chunk(...args),
      },
    };
    const started = new Promise((resolve, reject) => {
      rt.context.binding.ready = resolve;
      go.exit = (code) => {
        reject(new Error(`Go program exited with code ${code} before it served`));
        rt.request?.fail();
      };
    });
    const instance = new WebAssembly.Instance(module, go.importObject);
    rt.exports = instance.exports;
    ownGlobal(go, rt.context);
    go.run(instance);
    // run() resolves when the Go program exits, from whichever request is
    // running then: Workers cancels a promise resolved from another
    // request's context, with a warning. Exits are caught by go.exit.
    go._resolveExitPromise = () => {};
    await started;
    return rt;
  }

  // Serves one request; returns its `response` (a Response, or a promise of
  // one), `done`, which settles when the request's work is over, WaitUntil
  // tasks included, or is null when that work ended before serve returned,
  // and `sent`, which settles once the response is sent whole (a streamed
  // one has ended). Most requests are answered and over within the call
  // into Go: they get their Response as it is, and no promise is made.
  serve(request, env, ctx, body, length) {
    this.context.env = env;
    this.context.ctx = ctx;
    // The Response once Go answered, and the resolve of the promise of it,
    // if one was made.
    let response;
    let answered;
    const answer = (value) => (answered ? answered(value) : (response = value));
    // Whether the response is sent whole, and the resolve of `sent`.
    let isSent = false;
    let resolveSent;
    const markSent = () => {
      isSent = true;
      resolveSent?.();
    };
    let finish;
    let over = false;
    let timer;
    const end = () => {
      clearTimeout(timer);
      this.request = undefined;
      over = true;
      finish?.();
    };
    this.request = {
      // respond(headPtr, headLength, bodyPtr, bodyLength, status,
      // finished, streamed) sends the response Go wrote to its memory, or
      // only its head when streamed (the body follows through chunk);
      // respond() or finished says the request's work is over. What is
      // kept of Go's memory is copied before respond returns.
      answered: false,
      respond: (headPtr, headLength, bodyPtr, bodyLength, status, finished, streamed) => {
        if (headPtr === undefined) return end();
        this.request.answered = true;
        clearTimeout(timer);
        const { buffer } = this.exports.mem;
        const body = streamed ? this.#stream(markSent) : bodyLength ? new Uint8Array(buffer, bodyPtr, bodyLength).slice() : null;
        if (!streamed) markSent();
        answer(toResponse(status, new Uint8Array(buffer, headPtr, headLength), body));
        if (finished) end();
      },
      // The Go program exited (a panic nobody recovered): answer 500,
      // with the middleware's headers if they had all run.
      fail: () => {
        const { crash } = this.context.binding; // set by worker.Serve
        const [ptr, length] = crash === undefined ? [0, 0] : new Uint32Array(this.exports.mem.buffer, crash, 2);
        answer(errorResponse(500, new Uint8Array(this.exports.mem.buffer, ptr, length)));
        markSent();
        end();
      },
    };
    // Go reads the request from its memory as length-prefixed fields (see
    // worker/frame.go): method, URL, each header's name and value; then the
    // body.
    const fields = [request.method, request.url];
    for (const [name, value] of request.headers) fields.push(name, value);
    try {
      let room = body?.byteLength ?? 0;
      for (const field of fields) room += 4 + field.length * 3; // UTF-8 takes up to 3 bytes a unit
      const ptr = this.exports.worker_buffer(room);
      const memory = new Uint8Array(this.exports.mem.buffer, ptr, room);
      let at = 0;
      for (const field of fields) at = writeField(memory, at, field);
      if (body) memory.set(body, at);
      this.exports.worker_serve(at + (body?.byteLength ?? 0), body ? body.byteLength : -1, length);
      this.go._resume(); // Go serves it, until all its goroutines wait
    } catch {
      this.request?.fail(); // the Go program had exited
    }
    // Go runs until all its goroutines wait: most requests are answered and
    // over by now, and need neither a timer, a promise nor a listener.
    if (over) return { response, done: null };
    response ??= new Promise((resolve) => (answered = resolve));
    // The client went away (compatibility flag enable_request_signal): Go
    // cancels the request's context, whether its response is still to come
    // or streaming. Abort events come from the event loop, never during the
    // call above.
    const current = this.request;
    request.signal?.addEventListener("abort", () => {
      if (this.request === current) this.context.binding.cancel();
    });
    // The pipeline's Timeout, kept here rather than as a Go timer (see
    // withTimeout in worker/timeout.go). Time does not pass in a Worker
    // while it computes, so the deadline still counts from the request.
    const { timeout } = this.context.binding;
    if (timeout > 0 && this.request?.answered === false) {
      timer = setTimeout(() => this.context.binding.expire(), timeout);
    }
    const sent = isSent ? Promise.resolve() : new Promise((resolve) => (resolveSent = resolve));
    return { response, done: new Promise((resolve) => (finish = resolve)), sent };
  }

  // The bytes of its linear memory, which never shrinks.
  get memory() {
    return this.exports.mem.buffer.byteLength;
  }

  // Tells the Go program of requests the pool refused, reports of
  // { method, url, headers, waitedMs, retryAfter, reason }, and of those
  // whose runtime it retired, { method, url, headers, overdueMs }.
  refused(reports) {
    try {
      this.context.binding.refused(reports);
    } catch (error) {
      console.error("worker: the Go program was not told of refused requests:", error);
    }
  }

  // The body of a streamed response: each pull asks Go for a chunk
  // (binding.pull), which Go hands over with chunk(ptr, length, last,
  // failure); a cancel (the client went away) cancels the request's
  // context in Go (binding.cancel). ended() is called when it ends.
  #stream(ended) {
    let controller;
    let pulled; // resolves the pull Go answers
    let cancelled = false;
    this.request.chunk = (ptr, length, last, failure) => {
      // A chunk Go was sending as the client went away is dropped: this
      // must not throw into Go.
      if (!cancelled) {
        try {
          if (failure !== null || last) ended();
          if (length > 0) controller.enqueue(new Uint8Array(this.exports.mem.buffer, ptr, length).slice());
          if (failure !== null) controller.error(new Error(failure));
          else if (last) controller.close();
        } catch (error) {
          console.error("worker: a chunk of a streamed response was refused:", error);
        }
      }
      pulled?.();
    };
    return new ReadableStream({
      start: (c) => void (controller = c),
      pull: () =>
        new Promise((resolve) => {
          pulled = resolve;
          this.context.binding.pull();
        }),
      cancel: () => {
        cancelled = true;
        ended();
        this.context.binding.cancel();
      },
    });
  }

  // Runs the Scheduled listeners for a Cron Trigger (controller: its cron
  // and scheduledTime). Returns `result`, which rejects with the
  // listeners' failure, and `done`, as serve does.
  scheduled(controller, env, ctx) {
    return this.#event(env, ctx, (failure) => {
      if (failure !== null) throw new Error(failure);
    }, () => this.context.binding.scheduled(controller.cron, controller.scheduledTime));
  }

  // Runs the Queue listeners for each message of batch, then acknowledges
  // each message that succeeded and retries each one that failed, never the
  // whole batch. Returns `result`, which settles once every message is
  // settled, and `done`, as serve does.
  queue(batch, env, ctx) {
    const sent = [];
    const bodies = [];
    for (const message of batch.messages) {
      const body = messageBody(message.body);
      if (body === undefined) {
        console.error(`worker: queue ${batch.queue}: message ${message.id} has a body Go cannot take; retried`);
        message.retry();
        continue;
      }
      sent.push(message);
      bodies.push(body);
    }
    return this.#event(env, ctx, (failure, ptr, length) => {
      if (failure !== null) throw new Error(failure);
      const outcome = new Int32Array(this.exports.mem.buffer, ptr, length);
      for (let i = 0; i < length; i++) {
        if (outcome[i] < 0) sent[i].ack();
        else sent[i].retry(outcome[i] > 0 ? { delaySeconds: outcome[i] } : undefined);
      }
    }, () => this.context.binding.queue(writeBatch(this.exports, sent, bodies), batch.queue, sent.length));
  }

  // Hands an event to Go with start(), and reads what Go settles it with
  // with read(...result) while Go waits in its settle call. Returns
  // `result` and `done`, as serve does (null when the event was over
  // before start returned).
  #event(env, ctx, read, start) {
    this.context.env = env;
    this.context.ctx = ctx;
    let finish;
    let over = false;
    const result = new Promise((resolve, reject) => {
      const end = () => {
        this.request = undefined;
        over = true;
        finish?.();
      };
      this.request = {
        settle: (...args) => {
          if (args.length === 0) return end();
          const finished = args.pop();
          try {
            resolve(read(...args));
          } catch (error) {
            reject(error);
          }
          if (finished) end();
        },
        // The Go program exited (a panic nobody recovered): the event fails.
        fail: () => {
          reject(new Error("the Go program exited"));
          end();
        },
      };
    });
    try {
      start();
    } catch {
      this.request?.fail(); // the Go program had exited
    }
    // Go runs until all its goroutines wait: an event whose listeners need
    // no JavaScript is over by now, and its runtime free for the next.
    if (over) return { result, done: null };
    return { result, done: new Promise((resolve) => (finish = resolve)) };
  }

  // Whether the runtime can serve another request: its program runs, its
  // request is over and no Go timer is pending (wasm_exec.js keeps the
  // wake-ups Go's scheduler asked for in _scheduledTimeouts). Go keeps a
  // wake-up whose timer fell due, or was stopped, while it handled another
  // event (a hub's answer that came as a WaitUntil task's sleep ended):
  // its setTimeout would find nothing to do. So Go is woken once here, as
  // that setTimeout would wake it: it drops the wake-ups and asks again
  // only for a timer still pending, and a runtime with one is not reused.
  reusable() {
    if (this.go.exited || this.request !== undefined) return false;
    const wakeUps = this.go._scheduledTimeouts;
    if (wakeUps.size === 0) return true;
    for (const handle of wakeUps.values()) clearTimeout(handle);
    this.go._resume();
    if (!this.go.exited && this.request === undefined && wakeUps.size === 0) return true;
    for (const handle of wakeUps.values()) clearTimeout(handle); // it is let go: nothing may wake it
    return false;
  }
}

// Makes the Go program of go see `context` as a global of its own, as the
// wasm_exec.js of github.com/syumai/workers does: runtimes of one isolate
// serve at the same time, so a real global would be shared. syscall/js
// reads the global object from reference 5 of go._values, which run() fills
// in; this swaps in a proxy before Go starts.
export function ownGlobal(go, context) {
  const global = new Proxy(globalThis, {
    get: (target, name) => (name === "context" ? context : Reflect.get(target, name, target)),
  });
  Object.defineProperty(go, "_values", {
    configurable: true,
    set(values) {
      values[5] = global;
      Object.defineProperty(go, "_values", { value: values, writable: true, configurable: true, enumerable: true });
    },
  });
}

// Builds the Response from what Go wrote: the head's length-prefixed header
// fields (see worker/frame.go) and the body. Go sends only statuses and
// header fields a Response takes; should one still throw, the client gets
// a 500 rather than Go an exception in its call.
function toResponse(status, head, body) {
  try {
    const fields = readFields(head);
    // An object, by lowercase name (no prototype: __proto__ is a name
    // too): workerd takes it in half the time of name, value pairs. A name
    // sent twice (Set-Cookie) needs the pairs.
    let headers = Object.create(null);
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i].toLowerCase();
      if (name in headers) {
        headers = [];
        for (let j = 0; j + 1 < fields.length; j += 2) headers.push([fields[j], fields[j + 1]]);
        break;
      }
      headers[name] = fields[i + 1];
    }
    const empty = status === 204 || status === 205 || status === 304;
    return new Response(empty ? null : body, { status, headers });
  } catch (error) {
    console.error("worker: a response from Go that workerd refused:", error);
    return errorResponse(500);
  }
}

// A field is 4 bytes of length (little-endian), then that many bytes of
// UTF-8. Short ASCII fields, the usual ones, are copied a byte per unit:
// a call to TextEncoder or TextDecoder costs more than the copy.
const SHORT = 128;

// Writes field at memory[at] and returns where the next one goes.
function writeField(memory, at, field) {
  let written = 0;
  if (field.length <= SHORT) {
    while (written < field.length && field.charCodeAt(written) < 0x80) {
      memory[at + 4 + written] = field.charCodeAt(written);
      written++;
    }
  }
  if (written < field.length) written = utf8.encoder.encodeInto(field, memory.subarray(at + 4)).written;
  memory[at] = written;
  memory[at + 1] = written >>> 8;
  memory[at + 2] = written >>> 16;
  memory[at + 3] = written >>> 24;
  return at + 4 + written;
}

// The fields of a head Go wrote.
function readFields(head) {
  const fields = [];
  for (let at = 0; at + 4 <= head.length; ) {
    const length = (head[at] | (head[at + 1] << 8) | (head[at + 2] << 16) | (head[at + 3] << 24)) >>> 0;
    at += 4;
    let field = "";
    let i = at;
    if (length <= SHORT) for (; i < at + length && head[i] < 0x80; i++) field += String.fromCharCode(head[i]);
    fields.push(i === at + length ? field : utf8.decoder.decode(head.subarray(at, at + length)));
    at += length;
  }
  return fields;
}

// A JSON error response; head, if given, holds header fields to send with
// it (the middleware's, see worker/serve_js.go).
function errorResponse(status, head) {
  const text = { 400: "Bad Request", 500: "Internal Server Error" }[status];
  const response = Response.json({ error: text }, { status });
  try {
    const fields = head ? readFields(head) : [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (!/^content-(type|length)$/i.test(fields[i])) response.headers.append(fields[i], fields[i + 1]);
    }
  } catch (error) {
    console.error("worker: header fields from Go that workerd refused:", error);
  }
  return response;
}

// A queue message's body as it crosses to Go: text, bytes, or anything
// else as JSON, with its kind (see readBatch in worker/events.go);
// undefined for a body JSON cannot hold.
const KIND = { text: 0x74, bytes: 0x62, json: 0x6a }; // "t", "b", "j"
function messageBody(body) {
  if (typeof body === "string") return { kind: KIND.text, data: body };
  if (body instanceof ArrayBuffer) return { kind: KIND.bytes, data: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) return { kind: KIND.bytes, data: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  try {
    const data = JSON.stringify(body);
    return data === undefined ? undefined : { kind: KIND.json, data };
  } catch {
    return undefined; // a BigInt, a cycle
  }
}

// Writes the messages of a batch and their bodies into Go's buffer as
// readBatch (worker/events.go) reads them: per message its timestamp in
// milliseconds (float64), its attempts (uint32), its body's kind (a byte),
// then its ID and its body as fields. Returns the bytes written.
function writeBatch(exports, messages, bodies) {
  let room = 0;
  for (let i = 0; i < messages.length; i++) {
    const { data } = bodies[i];
    room += 13 + 8 + messages[i].id.length * 3 + (typeof data === "string" ? data.length * 3 : data.byteLength);
  }
  // Go's buffer first: growing Go's memory for it detaches the old buffer.
  const ptr = exports.worker_buffer(room);
  const memory = new Uint8Array(exports.mem.buffer, ptr, room);
  const view = new DataView(exports.mem.buffer, ptr, room);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const { kind, data } = bodies[i];
    view.setFloat64(at, message.timestamp.getTime(), true);
    view.setUint32(at + 8, message.attempts, true);
    memory[at + 12] = kind;
    at = writeField(memory, at + 13, message.id);
    if (typeof data === "string") {
      at = writeField(memory, at, data);
      continue;
    }
    memory.set(data, at + 4);
    view.setUint32(at, data.byteLength, true);
    at += 4 + data.byteLength;
  }
  return at;
}

// What readBody returns for a request without a body.
const NO_BODY = Object.freeze({ body: null, length: 0 });

// Reads the body up to limit bytes. A larger body is not read: the length
// returned is then above the limit, and Go answers 413.
async function readBody(request, limit) {
  if (request.body === null) return NO_BODY;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (limit >= 0 && declared > limit) return { body: null, length: declared };
  const chunks = [];
  let length = 0;
  for await (const chunk of request.body) {
    chunks.push(chunk);
    length += chunk.byteLength;
    if (limit >= 0 && length > limit) return { body: null, length };
  }
  const body = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { body, length };
}

// readBody, or a 400 when the client went away or sent a broken body.
async function readBodyOr400(request, limit) {
  try {
    return await readBody(request, limit);
  } catch {
    return errorResponse(400);
  }
}

// The Go runtimes of an isolate share its memory: 128 MB on Cloudflare,
// JavaScript's heap and the compiled module included. GO_POOL, a JSON
// variable of the Worker (an object, or a string holding one), bounds them:
//   memoryMB        the linear memory all runtimes together may hold;
//   queue           how many requests may wait for a runtime beyond that;
//   queueTimeoutMs  how long one may wait;
//   idleMs          idle runtimes beyond the most requests served at once
//                   during the last idleMs are released (one is kept),
//                   with or without traffic;
//   waitUntilTimeoutMs  how long a request's work may go on after its
//                   response (WaitUntil tasks, Done listeners), and an
//                   event's after its listeners returned.
// A request that finds the queue full, or waits longer, gets 503 with
// Retry-After, and the Go program hears of it (worker.ErrOverloaded). A
// runtime whose request's work goes on past waitUntilTimeoutMs is retired,
// and the Go program hears of that too (worker.ErrWaitUntilDeadline).
const POOL_DEFAULTS = { memoryMB: 64, queue: 64, queueTimeoutMs: 5000, idleMs: 20000, waitUntilTimeoutMs: 25000 };

// The most refused requests kept for the Go program to hear of; more at
// once are only counted, in the log.
const MAX_REPORTS = 64;

function poolOptions(setting) {
  const options = typeof setting === "string" ? JSON.parse(setting) : (setting ?? {});
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError("GO_POOL must be a JSON object");
  }
  for (const [name, value] of Object.entries(options)) {
    if (!Object.hasOwn(POOL_DEFAULTS, name)) throw new TypeError(`GO_POOL: unknown setting "${name}"`);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`GO_POOL: ${name} must be a number >= 0`);
    }
  }
  return { ...POOL_DEFAULTS, ...options };
}

// What the Go program is told of a request the pool refused or retired.
function reportOf(request) {
  return { method: request.method, url: request.url, headers: [...request.headers] };
}

// What a waiting request is woken with when it may start a runtime itself.
const START = Symbol("start");

// What a request's work settles with when it ran past waitUntilTimeoutMs.
const OVERDUE = Symbol("overdue");

// Pool keeps an isolate's Go runtimes within its memory budget. Each runtime
// serves one request at a time; requests beyond the budget wait in arrival
// order. A runtime freed at the end of one request is handed to the first
// waiting one: Workers runs the hand-over in the waiting request's own
// context, which its queue timer keeps alive.
class Pool {
  constructor(module, options) {
    this.module = module;
    this.options = options;
    this.live = new Set(); // every started runtime, idle or serving
    // The memory of runtimes let go (crashed, dropped, released, retired)
    // that V8 has not collected yet: JavaScript cannot free it, and a burst
    // of crashes outruns V8 (30 runtimes, 180 MB, were seen at once).
    this.gone = []; // WeakRefs to their WebAssembly.Memory
    this.idle = []; // ready to serve, the most recently used last
    this.starting = 0; // runtimes being started
    this.runtimeBytes = 0; // the largest linear memory a runtime of this pool had
    this.maxBodyBytes = undefined; // the Go program's MaxBodyBytes, once a runtime started
    this.queue = []; // waiting requests, oldest first
    this.reports = []; // refused requests the Go program has not heard of
    this.unreported = 0;
    this.serving = 0; // requests that hold a runtime, or are starting one
    this.reached = []; // reached[i]: when i + 1 requests were last served at once
    this.trimAt = 0; // when the latest timer set by trimLater fires
  }

  // The linear memory of every runtime, counting those being started and
  // those let go that V8 has not collected yet.
  get bytes() {
    let bytes = this.starting * this.runtimeBytes;
    for (const rt of this.live) bytes += rt.memory;
    this.gone = this.gone.filter((memory) => memory.deref() !== undefined);
    for (const memory of this.gone) bytes += memory.deref().buffer.byteLength;
    return bytes;
  }

  // Lets rt go: its memory counts until V8 collects it.
  #letGo(rt) {
    this.live.delete(rt);
    this.gone.push(new WeakRef(rt.exports.mem));
  }

  get budget() {
    return this.options.memoryMB * 1024 * 1024;
  }

  // Whether one more runtime fits. There is always room for one, whatever
  // the budget.
  get roomForOne() {
    return this.live.size + this.starting === 0 || this.bytes + this.runtimeBytes <= this.budget;
  }

  // An idle runtime that serves this request alone, or undefined when none
  // is idle: acquire without a promise.
  take() {
    const rt = this.idle.pop();
    if (rt !== undefined) this.#serving(+1);
    return rt;
  }

  // Resolves with a runtime that serves this request alone, or with
  // undefined when the request is refused: the queue was full, or it waited
  // past queueTimeoutMs.
  async acquire(request, env, ctx) {
    const rt = this.take();
    if (rt !== undefined) return rt;
    if (this.queue.length === 0 && this.roomForOne) {
      this.#serving(+1);
      this.starting++;
      return this.#start(env, ctx);
    }
    if (this.queue.length >= this.options.queue) return this.#refuse(request, 0, "the queue was full");
    const since = Date.now();
    let timer;
    const turn = await new Promise((resolve) => {
      const entry = { resolve };
      // Keeps the request's context, where the hand-over runs, alive should
      // the client go away meanwhile.
      ctx.waitUntil(new Promise((settled) => (entry.settled = settled)));
      timer = setTimeout(() => {
        const at = this.queue.indexOf(entry);
        if (at >= 0) this.queue.splice(at, 1);
        entry.settled();
        resolve(undefined);
      }, this.options.queueTimeoutMs);
      this.queue.push(entry);
    });
    clearTimeout(timer); // here: a timer belongs to its request's context
    if (turn === undefined) return this.#refuse(request, Date.now() - since, "it waited too long for a Go runtime");
    return turn === START ? this.#start(env, ctx) : turn;
  }

  // Takes rt back once the work of its request is over, when done settles
  // (null: it is over already), or retires it when that work goes on past
  // waitUntilTimeoutMs after the response was sent (sent settles; for an
  // event, its listeners returned): a WaitUntil task or Done listener that
  // never returns must not hold its place in the budget. The Go program
  // hears of a retired runtime's request when a runtime next serves. ctx is
  // the request's or the event's; trim says whether it may also keep the
  // timer that releases idle runtimes (see trimLater).
  settle(rt, { done, sent }, ctx, request, { trim = true } = {}) {
    const trimCtx = trim ? ctx : undefined;
    if (done === null) return this.release(rt, trimCtx);
    let timer;
    let settled = false;
    const overdue = new Promise((resolve) =>
      sent.then(() => {
        if (!settled) timer = setTimeout(resolve, this.options.waitUntilTimeoutMs, OVERDUE);
      }),
    );
    ctx.waitUntil(
      Promise.race([done, overdue]).then((outcome) => {
        settled = true;
        clearTimeout(timer);
        if (outcome !== OVERDUE) return this.release(rt, trimCtx);
        this.#serving(-1);
        this.#letGo(rt);
        this.#report({ ...reportOf(request), overdueMs: this.options.waitUntilTimeoutMs });
        this.#wakeToStart();
      }),
    );
  }

  // Takes rt back once the work of its request is over: to the first waiting
  // request, to the idle list, or away when it cannot serve again, the pool
  // is over budget, or more runtimes would idle than recent traffic needed.
  release(rt, ctx) {
    this.#serving(-1);
    this.runtimeBytes = Math.max(this.runtimeBytes, rt.memory);
    if (!rt.reusable()) {
      this.#letGo(rt);
    } else if (this.queue.length > 0) {
      this.#serving(+1);
      this.#wake(rt);
      return;
    } else {
      this.idle.push(rt);
    }
    this.#trim();
    this.#wakeToStart();
    this.#trimLater(ctx);
  }

  // Releases idle runtimes beyond the most requests served at once during
  // the last idleMs (one is kept), and while the pool is over budget; the
  // least recently used go first. One runtime may exceed the budget.
  #trim() {
    const since = Date.now() - this.options.idleMs;
    let needed = this.reached.length;
    while (needed > Math.max(1, this.serving) && this.reached[needed - 1] <= since) needed--;
    this.reached.length = needed;
    const keep = Math.max(needed, 1) - this.serving;
    while (this.idle.length > keep || (this.idle.length > 0 && this.live.size > 1 && this.bytes > this.budget)) {
      this.#letGo(this.idle.shift());
    }
  }

  // Without traffic no request ends to trim the pool: the request whose end
  // left it quiet with runtimes to spare keeps a timer (ctx.waitUntil, at
  // most idleMs: Cloudflare lets a request's waitUntil run 30 s past its
  // response) that trims once the last idleMs no longer needed them. A
  // JavaScript timer, in no Go runtime's way; none is set while one pending
  // fires late enough.
  #trimLater(ctx) {
    if (ctx === undefined || this.serving > 0 || this.idle.length <= 1) return;
    const at = Math.max(...this.reached.slice(1)) + this.options.idleMs;
    if (at <= this.trimAt) return;
    this.trimAt = at;
    ctx.waitUntil(new Promise((resolve) => setTimeout(() => resolve(this.#trim()), Math.max(0, at - Date.now()))));
  }

  // A runtime that failed to start frees its place.
  startFailed() {
    this.#serving(-1);
    this.#wakeToStart();
  }

  // Tells the Go program of rt of the requests refused since it was last told.
  tell(rt) {
    if (this.reports.length === 0) return;
    const reports = this.reports;
    this.reports = [];
    rt.refused(reports);
  }

  // The seconds a refused request is told to wait before trying again.
  get retryAfter() {
    return Math.max(1, Math.ceil(this.options.queueTimeoutMs / 1000));
  }

  // What the pool holds now.
  stats() {
    return {
      runtimes: this.live.size,
      idle: this.idle.length,
      serving: this.serving,
      queued: this.queue.length,
      memoryBytes: this.bytes,
      goneRuntimes: this.gone.length, // let go, not collected yet (counted in memoryBytes)
      runtimeBytes: this.runtimeBytes,
    };
  }

  async #start(env, ctx) {
    let rt;
    try {
      rt = await Runtime.start(this.module, env, ctx);
    } finally {
      this.starting--;
    }
    this.live.add(rt);
    this.runtimeBytes = Math.max(this.runtimeBytes, rt.memory);
    this.maxBodyBytes ??= rt.context.binding.maxBodyBytes; // one Go program: the same in every runtime
    return rt;
  }

  #wake(turn) {
    const entry = this.queue.shift();
    entry.resolve(turn);
    entry.settled();
  }

  // Lets the first waiting requests start runtimes while they fit.
  #wakeToStart() {
    while (this.queue.length > 0 && this.roomForOne) {
      this.#serving(+1);
      this.starting++;
      this.#wake(START);
    }
  }

  #refuse(request, waitedMs, reason) {
    this.#report({ ...reportOf(request), waitedMs, retryAfter: this.retryAfter, reason });
    return undefined;
  }

  #report(report) {
    if (this.reports.length < MAX_REPORTS) {
      this.reports.push(report);
    } else if (this.unreported++ % 1000 === 0) {
      console.error(`worker: ${this.unreported} reports of refused or retired requests so far not told to Go (more than ${MAX_REPORTS} at once)`);
    }
  }

  // Counts the requests served, and when each number of them at once was
  // last reached: a level left is held until now.
  #serving(delta) {
    this.reached[Math.max(this.serving, this.serving + delta) - 1] = Date.now();
    this.serving += delta;
  }
}


// Returns a fetch handler that serves requests with the Go program of
// module (an imported WebAssembly.Module), within the memory budget of the
// Worker's GO_POOL variable (see POOL_DEFAULTS). Its stats() says what the
// pool holds.
export function goFetch(module) {
  let pool; // made at the first request, from its env
  // Most requests have no body and find a runtime idle: they are served
  // within the call, and get their Response without a promise to wait for.
  function fetch(request, env, ctx) {
    try {
      pool ??= poolOf(module, env);
    } catch (error) {
      console.error("worker:", error);
      return errorResponse(500); // GO_POOL is not valid
    }
    const rt = request.body === null ? pool.take() : undefined;
    if (rt !== undefined) return serve(rt, request, env, ctx, NO_BODY);
    return readAndWait(request, env, ctx);
  }
  // The body is read before the request takes a runtime, so that a slow
  // upload holds none: up to the Go program's MaxBodyBytes, which the pool
  // learns from its first runtime (until then, while holding it).
  async function readAndWait(request, env, ctx) {
    let body;
    if (request.body === null) {
      body = NO_BODY;
    } else if (pool.maxBodyBytes !== undefined) {
      body = await readBodyOr400(request, pool.maxBodyBytes);
      if (body instanceof Response) return body;
    }
    let rt;
    try {
      rt = await pool.acquire(request, env, ctx);
    } catch (error) {
      pool.startFailed();
      console.error("worker:", error);
      return errorResponse(500); // the Go program did not start
    }
    if (rt === undefined) {
      const headers = { "retry-after": String(pool.retryAfter) };
      return Response.json({ error: "Service Unavailable" }, { status: 503, headers });
    }
    if (body === undefined) {
      body = await readBodyOr400(request, rt.context.binding.maxBodyBytes);
      if (body instanceof Response) {
        pool.release(rt, ctx);
        return body;
      }
    }
    return serve(rt, request, env, ctx, body);
  }
  function serve(rt, request, env, ctx, body) {
    pool.tell(rt);
    const served = rt.serve(request, env, ctx, body.body, body.length);
    pool.settle(rt, served, ctx, request);
    return served.response;
  }
  fetch.stats = () => pool?.stats();
  return fetch;
}

// The pool of each Go module: the fetch, scheduled and queue handlers of
// one module share it, made at the first event from its env.
const pools = new WeakMap();

function poolOf(module, env) {
  let pool = pools.get(module);
  if (pool === undefined) pools.set(module, (pool = new Pool(module, poolOptions(env?.GO_POOL))));
  return pool;
}

// Runs one event on a runtime of module's pool: start(rt) returns
// { result, done }; the runtime goes back to the pool when done settles,
// and the event's own promise is result's. An event the pool refuses (see
// GO_POOL) fails, and the platform retries it.
async function dispatch(module, env, ctx, what, start) {
  const pool = poolOf(module, env);
  const event = { method: what, url: "", headers: [] }; // what the Go program hears of it, as of a request
  let rt;
  try {
    rt = await pool.acquire(event, env, ctx);
  } catch (error) {
    pool.startFailed();
    throw error; // the Go program did not start
  }
  if (rt === undefined) throw new Error(`worker: no Go runtime for the ${what} event within GO_POOL's limits`);
  pool.tell(rt);
  const { result, done } = start(rt);
  // The WaitUntil tasks its listeners started may run waitUntilTimeoutMs
  // once they have returned. No idle-trimming timer on an event's ctx: it
  // would hold the invocation (for a Queue, a consumer's turn) open up to
  // idleMs after its work is over; requests keep that timer.
  const returned = result.then(
    () => {},
    () => {},
  );
  pool.settle(rt, { done, sent: returned }, ctx, event, { trim: false });
  await result;
}

// Returns a scheduled handler that runs the Go program's Scheduled
// listeners (worker.Pipeline.Scheduled) for each Cron Trigger; it rejects,
// failing the invocation, when a listener fails.
export function goScheduled(module) {
  return (controller, env, ctx) => dispatch(module, env, ctx, "SCHEDULED", (rt) => rt.scheduled(controller, env, ctx));
}

// Returns a queue handler that runs the Go program's Queue listeners
// (worker.Pipeline.Queue) for each message of a batch, and acknowledges or
// retries each message on its own.
export function goQueue(module) {
  return (batch, env, ctx) => dispatch(module, env, ctx, "QUEUE", (rt) => rt.queue(batch, env, ctx));
}
