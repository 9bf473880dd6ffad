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

// The most idle runtimes kept per isolate; more may run at once.
const MAX_IDLE = 4;

const utf8 = { encoder: new TextEncoder(), decoder: new TextDecoder() };

class Runtime {
  // Starts the Go program of module; resolves once it called worker.Serve.
  static async start(module, env, ctx) {
    const rt = new Runtime();
    const go = (rt.go = new Go());
    // What the Go side reads as the global `context`: syumai's bindings use
    // env and ctx, worker.Serve fills in binding.
    rt.context = { env, ctx, binding: { respond: (...args) => rt.request?.respond(...args) } };
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

  // Serves one request; returns its Response as a promise, and `done`,
  // which settles when the request's work is over, WaitUntil tasks included.
  serve(request, env, ctx, body, length) {
    this.context.env = env;
    this.context.ctx = ctx;
    let finish;
    const done = new Promise((resolve) => (finish = resolve));
    // The pipeline's Timeout, kept here rather than as a Go timer (see
    // withTimeout in worker/timeout.go).
    const { timeout } = this.context.binding;
    const timer = timeout > 0 ? setTimeout(() => this.context.binding.expire(), timeout) : undefined;
    const response = new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.request = undefined;
        finish();
      };
      this.request = {
        // respond(ptr, headLength, bodyLength, status, finished) sends the
        // response Go wrote to its memory; respond() or finished says the
        // request's work is over.
        respond: (ptr, headLength, bodyLength, status, finished) => {
          if (ptr === undefined) return end();
          clearTimeout(timer);
          const memory = new Uint8Array(this.exports.mem.buffer, ptr, headLength + bodyLength);
          resolve(toResponse(status, memory.subarray(0, headLength), bodyLength ? memory.slice(headLength) : null));
          if (finished) end();
        },
        // The Go program exited (a panic nobody recovered): answer 500,
        // with the middleware's headers if they had all run.
        fail: () => {
          const { crash } = this.context.binding; // set by worker.Serve
          const [ptr, length] = crash === undefined ? [0, 0] : new Uint32Array(this.exports.mem.buffer, crash, 2);
          resolve(errorResponse(500, new Uint8Array(this.exports.mem.buffer, ptr, length)));
          end();
        },
      };
    });
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
      for (const field of fields) {
        const { written } = utf8.encoder.encodeInto(field, memory.subarray(at + 4));
        memory[at] = written;
        memory[at + 1] = written >>> 8;
        memory[at + 2] = written >>> 16;
        memory[at + 3] = written >>> 24;
        at += 4 + written;
      }
      if (body) memory.set(body, at);
      this.context.binding.serve(at + (body?.byteLength ?? 0), body ? body.byteLength : -1, length);
    } catch {
      this.request?.fail(); // the Go program had exited
    }
    return { response, done };
  }

  // Whether the runtime can serve another request. wasm_exec.js keeps the
  // wake-up timers that Go's scheduler asked for in _scheduledTimeouts.
  get reusable() {
    return !this.go.exited && this.request === undefined && this.go._scheduledTimeouts.size === 0;
  }
}

// Makes the Go program of go see `context` as a global of its own, as the
// wasm_exec.js of github.com/syumai/workers does: runtimes of one isolate
// serve at the same time, so a real global would be shared. syscall/js
// reads the global object from reference 5 of go._values, which run() fills
// in; this swaps in a proxy before Go starts.
function ownGlobal(go, context) {
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
    const headers = new Headers();
    const fields = readFields(head);
    for (let i = 0; i + 1 < fields.length; i += 2) headers.append(fields[i], fields[i + 1]);
    const empty = status === 204 || status === 205 || status === 304;
    return new Response(empty ? null : body, { status, headers });
  } catch (error) {
    console.error("worker: a response from Go that workerd refused:", error);
    return errorResponse(500);
  }
}

// The fields of a head Go wrote: 4 bytes of length (little-endian), then
// that many bytes of UTF-8.
function readFields(head) {
  const fields = [];
  for (let at = 0; at + 4 <= head.length; ) {
    const length = (head[at] | (head[at + 1] << 8) | (head[at + 2] << 16) | (head[at + 3] << 24)) >>> 0;
    fields.push(utf8.decoder.decode(head.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
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

// Reads the body up to limit bytes. A larger body is not read: the length
// returned is then above the limit, and Go answers 413.
async function readBody(request, limit) {
  if (request.body === null) return { body: null, length: 0 };
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

// Returns a fetch handler that serves requests with the Go program of
// module (an imported WebAssembly.Module).
export function goFetch(module) {
  const idle = [];
  return async function fetch(request, env, ctx) {
    let rt = idle.pop();
    if (rt === undefined) {
      try {
        rt = await Runtime.start(module, env, ctx);
      } catch (error) {
        console.error("worker:", error);
        return errorResponse(500); // the Go program did not start
      }
    }
    let body;
    try {
      body = await readBody(request, rt.context.binding.maxBodyBytes);
    } catch {
      if (rt.reusable && idle.length < MAX_IDLE) idle.push(rt);
      return errorResponse(400); // the client went away, or sent a broken body
    }
    const { response, done } = rt.serve(request, env, ctx, body.body, body.length);
    ctx.waitUntil(
      done.then(() => {
        if (rt.reusable && idle.length < MAX_IDLE) idle.push(rt);
      }),
    );
    return response;
  };
}
