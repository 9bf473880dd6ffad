# The edge benchmark's workerd config (edge.mjs): the example Worker as
# edgeworker builds it (make worker), a plain JavaScript Worker, and the same
# Go pipeline on the stock glue of github.com/syumai/workers (make bench
# builds it into build/stock/), and the Go floor (floorworker, built by
# edgeworker into build/floor/), each on a socket of its own.
using Workerd = import "/workerd/workerd.capnp";
using Example = import "../example/build/config.capnp";
using Floor = import "build/floor/config.capnp";

const config :Workerd.Config = (
  services = [
    (name = "example", worker = Example.worker),
    # The example's signal hub storage: edge.mjs points it at the example's
    # build/hub-storage (--directory-path), as workerd reads relative paths
    # from its working directory.
    (name = "hub-storage", disk = (path = "hub-storage", writable = true)),
    (name = "plain", worker = .plain),
    (name = "stock", worker = .stock),
    (name = "floor", worker = Floor.worker),
  ],
  sockets = [
    (name = "example", address = "127.0.0.1:8787", http = (), service = "example"),
    (name = "plain", address = "127.0.0.1:8788", http = (), service = "plain"),
    (name = "stock", address = "127.0.0.1:8789", http = (), service = "stock"),
    (name = "floor", address = "127.0.0.1:8790", http = (), service = "floor"),
  ],
);

const plain :Workerd.Worker = (
  modules = [(name = "plain.mjs", esModule = embed "plain.mjs")],
  compatibilityDate = "2026-11-01",
);

const stock :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "build/stock/worker.mjs"),
    (name = "runtime.mjs", esModule = embed "build/stock/runtime.mjs"),
    (name = "wasm_exec.js", esModule = embed "build/stock/wasm_exec.js"),
    (name = "app.wasm", wasm = embed "build/stock/app.wasm"),
  ],
  compatibilityDate = "2026-11-01",
  bindings = [(name = "API_TOKEN", text = "dev-token")],
);
