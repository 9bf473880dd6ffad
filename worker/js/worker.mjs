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
          const head = utf8.decoder.decode(memory.subarray(0, headLength));
          resolve(toResponse(status, head, bodyLength ? memory.slice(headLength) : null));
          if (finished) end();
        },
        // The Go program exited (a panic nobody recovered): answer 500.
        fail: () => {
          resolve(errorResponse(500));
          end();
        },
      };
    });
    // Go reads the request from its memory: "METHOD\nURL\n", header lines
    // "name\nvalue\n", then the body.
    let head = request.method + "\n" + request.url + "\n";
    for (const [name, value] of request.headers) head += name + "\n" + value + "\n";
    try {
      const room = head.length * 3 + (body?.byteLength ?? 0); // UTF-8 takes up to 3 bytes a unit
      const ptr = this.exports.worker_buffer(room);
      const memory = new Uint8Array(this.exports.mem.buffer, ptr, room);
      const { written } = utf8.encoder.encodeInto(head, memory);
      if (body) memory.set(body, written);
      this.context.binding.serve(written + (body?.byteLength ?? 0), body ? body.byteLength : -1, length);
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

function toResponse(status, head, body) {
  const headers = new Headers();
  const lines = head.split("\n");
  for (let i = 0; i + 1 < lines.length; i += 2) headers.append(lines[i], lines[i + 1]);
  const empty = status === 204 || status === 205 || status === 304;
  return new Response(empty ? null : body, { status, headers });
}

function errorResponse(status) {
  const text = { 400: "Bad Request", 500: "Internal Server Error" }[status];
  return Response.json({ error: text }, { status });
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
