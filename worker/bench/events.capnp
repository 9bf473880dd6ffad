# The events benchmark's workerd config (events.mjs): the Go program of
# eventsworker/ (built by make into build/events/) with the entry module of
# the benchmark, which also runs the same queue work in plain JavaScript.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "events", worker = .events)],
  sockets = [(name = "http", address = "127.0.0.1:8790", http = (), service = "events")],
);

const events :Workerd.Worker = (
  modules = [
    (name = "events-entry.mjs", esModule = embed "events-entry.mjs"),
    (name = "build/events/worker.mjs", esModule = embed "build/events/worker.mjs"),
    (name = "build/events/wasm_exec.js", esModule = embed "build/events/wasm_exec.js"),
    (name = "build/events/app.wasm", wasm = embed "build/events/app.wasm"),
  ],
  compatibilityDate = "2026-11-01",
  compatibilityFlags = ["enable_request_signal"],
);
