// A user's project with a signal hub whose rules are in Go, as docs/hub.md
// says to build one: in an empty folder outside the repository, a module
// with a Worker (main.go: worker.Hub emits from a request) and a rules
// program (rules/main.go: worker.ServeHubRules), built by
//   go run .../worker/cmd/edgeworker build -hub-rules ./rules
// and served by workerd from the folder that command wrote. The hub must run
// those rules for WebSocket clients and for the Go emitter alike.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { open } from './hubd.js';
import { buildProject, goMod } from './project.js';
import { startWorkerd } from './workerd.js';

const FILES = {
  'go.mod': goMod('example.com/orders'),
  // The Worker: POST /order?item=... shares the order on the hub's "orders".
  'main.go': `package main

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/edgesignals/edgesignals/worker"
)

var hub = worker.Hub{Binding: "HUB"}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /order", func(w http.ResponseWriter, r *http.Request) {
		seq, err := hub.TryEmit(r.Context(), "orders", map[string]string{"item": r.URL.Query().Get("item")})
		var refused *worker.HubError
		switch {
		case errors.As(err, &refused):
			http.Error(w, refused.Message, refused.Status)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadGateway)
		default:
			fmt.Fprint(w, seq)
		}
	})
	worker.Serve(worker.New(mux, nil))
}
`,
  // The hub's rules: "private" needs a token; an order needs an item, and
  // is stored with who sent it (the ?user= of the socket, "worker" for a
  // POST without one).
  'rules/main.go': `package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/edgesignals/edgesignals/signals"
	"github.com/edgesignals/edgesignals/worker"
)

func main() {
	rules := signals.NewSync[*worker.HubAction]()
	rules.AddListenerWithErr(func(ctx context.Context, a *worker.HubAction) error {
		if a.Kind != worker.HubConnect {
			return nil
		}
		if a.Signal == "private" && a.Query.Get("token") != "secret" {
			return errors.New("a token is needed")
		}
		a.Identity = a.Query.Get("user")
		if a.Identity == "" {
			a.Identity = "worker"
		}
		return nil
	}, "admit")
	rules.AddListenerWithErr(func(ctx context.Context, a *worker.HubAction) error {
		if a.Kind != worker.HubEmit || a.Signal != "orders" {
			return nil
		}
		var order struct {
			Item string \`json:"item"\`
		}
		if err := json.Unmarshal(a.Data, &order); err != nil || order.Item == "" {
			return errors.New("an order needs an item")
		}
		data, err := json.Marshal(map[string]string{"item": order.Item, "by": a.Identity})
		a.Data = data
		return err
	}, "check-order")
	worker.ServeHubRules(rules)
}
`,
};

let dir;
let workerd;
const sockets = [];

before(async () => {
  dir = buildProject('hub-project', FILES, ['-hub-rules', './rules']);
  workerd = await startWorkerd(join(dir, 'build', 'config.capnp'), ['http'], { path: '/hub/orders' });
}, { timeout: 600_000 }); // two Go builds for js/wasm on a busy machine

after(async () => {
  for (const s of sockets) s.ws.terminate();
  await workerd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const T = { timeout: 60_000 }; // a hang guard, not a speed check

async function connect(path) {
  const client = await open(workerd.urls.http.replace('http:', 'ws:') + path);
  sockets.push(client);
  return client;
}

test('the build folder holds the rules program, which the hub class is handed', () => {
  const build = (name) => readFileSync(join(dir, 'build', name), 'utf8');
  assert.match(build('hub-rules.mjs'), /import rules from "\.\/rules\.wasm";/);
  assert.match(build('config.capnp'), /\(name = "rules\.wasm", wasm = embed "rules\.wasm"\)/);
  assert.match(build('wrangler.toml'), /globs = \["\*\*\/app\.wasm", "\*\*\/rules\.wasm"\]/);
});

test("the hub refuses a connection its Go rules refuse, with their reason", T, async () => {
  const refused = await connect('/hub/private');
  assert.deepEqual(await refused.closed, { code: 1008, reason: 'signals: listener "admit": a token is needed' });
  const admitted = await connect('/hub/private?token=secret');
  assert.equal(admitted.frames[0].t, 'hello');
});

test("events from a socket and from the Go Worker both pass the hub's Go rules", T, async () => {
  const sub = await connect('/hub/orders?user=sub');
  const emitter = await connect('/hub/orders?subscribe=0&user=ada');
  const first = await emitter.emit({ item: 'tea' });
  // From Go: worker.Hub.TryEmit in the Worker's request.
  const response = await fetch(`${workerd.urls.http}/order?item=cake`, { method: 'POST' });
  assert.equal(response.status, 200);
  assert.equal(Number(await response.text()), first + 1);
  await sub.until(() => sub.events().length === 2);
  assert.deepEqual(sub.events().map((e) => e.data), [{ item: 'tea', by: 'ada' }, { item: 'cake', by: 'worker' }]);

  // Refused by the rules: a nack on the socket, a 403 to Go; neither takes a seq.
  emitter.ws.send(JSON.stringify({ t: 'emit', id: 99, data: { item: '' } }));
  const nack = await emitter.until(() => emitter.frames.find((f) => f.id === 99));
  assert.deepEqual(nack, { t: 'nack', id: 99, error: 'signals: listener "check-order": an order needs an item' });
  const refused = await fetch(`${workerd.urls.http}/order?item=`, { method: 'POST' });
  assert.equal(refused.status, 403);
  assert.match(await refused.text(), /an order needs an item/);
  assert.equal(await emitter.emit({ item: 'jam' }), first + 2);
});
