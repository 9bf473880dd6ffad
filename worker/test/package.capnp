# The npm package (web/src, built by make web) in a Worker: see package-worker.mjs.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "package", worker = .package)],
  sockets = [(name = "http", address = "127.0.0.1:8791", http = (), service = "package")],
);

const package :Workerd.Worker = (
  modules = [
    (name = "package-worker.mjs", esModule = embed "package-worker.mjs"),
    (name = "src/index.js", esModule = embed "../../web/src/index.js"),
    (name = "src/signal.js", esModule = embed "../../web/src/signal.js"),
    (name = "src/hub.js", esModule = embed "../../web/src/hub.js"),
    (name = "src/bridge.js", esModule = embed "../../web/src/bridge.js"),
    (name = "src/wire.js", esModule = embed "../../web/src/wire.js"),
    (name = "src/wasm_exec.js", esModule = embed "../../web/src/wasm_exec.js"),
    (name = "src/wasm_exec_go.js", esModule = embed "../../web/src/wasm_exec_go.js"),
    (name = "src/edgesignals.wasm", wasm = embed "../../web/src/edgesignals.wasm"),
  ],
  compatibilityDate = "2026-11-01",
);
