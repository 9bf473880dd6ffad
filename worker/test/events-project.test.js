// A user's own Worker that takes Cron Triggers and Queue batches as the
// README shows (p.Scheduled, p.Queue, a producer from a request): in an
// empty folder outside the repository, a module with main.go and the
// wrangler.toml of its bindings and triggers, built by
//   go run .../worker/cmd/edgeworker build
// and run by `wrangler dev --local` (miniflare, offline) from the folder
// that command wrote. The listeners log what they did; the test reads
// wrangler's output, as a user would in `wrangler tail`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildProject, goMod } from './project.js';
import { startWrangler } from './wrangler.js';

const FILES = {
  'go.mod': goMod('example.com/jobs'),
  // POST /jobs?n=N sends N jobs to the JOBS queue; the Worker consumes them
  // itself. A job whose number ends in 3 fails its first delivery.
  'main.go': `package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"

	"github.com/edgesignals/edgesignals/worker"
	"github.com/syumai/workers/cloudflare/queues"
)

type job struct {
	N int \`json:"n"\`
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("POST /jobs", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		producer, err := queues.NewProducer("JOBS")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for i := 1; i <= n; i++ {
			// SendJSON takes what js.ValueOf takes: a map, not a struct.
			if err := producer.SendJSON(map[string]any{"n": i}); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		fmt.Fprint(w, n)
	})
	p := worker.New(mux, nil)
	p.Queue.AddListenerWithErr(func(ctx context.Context, m worker.Message) error {
		var j job
		if err := m.Decode(&j); err != nil {
			return err
		}
		if j.N%10 == 3 && m.Attempts == 1 {
			return errors.New("job " + strconv.Itoa(j.N) + " fails once")
		}
		log.Printf("job %d done on attempt %d", j.N, m.Attempts)
		return nil
	}, "jobs")
	p.Scheduled.AddListenerWithErr(func(ctx context.Context, ev worker.ScheduledEvent) error {
		if ev.Cron == "0 0 31 2 *" {
			return errors.New("the impossible cron fails")
		}
		log.Printf("cron %q ran", ev.Cron)
		return nil
	}, "cron")
	worker.Serve(p)
}
`,
  'wrangler.toml': `[[queues.producers]]
binding = "JOBS"
queue = "jobs"

[[queues.consumers]]
queue = "jobs"
max_batch_size = 10
max_batch_timeout = 1
max_retries = 3

[triggers]
crons = ["*/5 * * * *"]
`,
};

const JOBS = 25;
let dir;
let wrangler;

before(async () => {
  dir = buildProject('events-project', FILES);
  wrangler = await startWrangler(join(dir, 'build'), { persistTo: join(dir, '.tmp', 'state') });
}, { timeout: 600_000 }); // a Go build for js/wasm and wrangler's start on a busy machine

after(async () => {
  await wrangler?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const T = { timeout: 120_000 }; // a hang guard, not a speed check

/** Waits until check(output) holds; fails with the output's end if it never does. */
async function eventually(what, check, { tries = 600, everyMs = 100 } = {}) {
  for (let i = 0; i < tries; i++) {
    if (check(wrangler.output())) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  assert.fail(`${what}: not within ${(tries * everyMs) / 1000} s\n${wrangler.output().slice(-3000)}`);
}

test("a user's Worker consumes the queue it sends to: every job done once, the failing ones on their second attempt", T, async () => {
  const sent = await fetch(`${wrangler.url}/jobs?n=${JOBS}`, { method: 'POST' });
  assert.equal(sent.status, 200, `${await sent.clone().text()}\n${wrangler.output().slice(-3000)}`);
  assert.equal(await sent.text(), String(JOBS));
  const done = (output) => [...output.matchAll(/job (\d+) done on attempt (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  await eventually(`${JOBS} jobs done`, (output) => new Set(done(output).map(([n]) => n)).size === JOBS);
  const attempts = new Map();
  for (const [n, attempt] of done(wrangler.output())) {
    assert.ok(!attempts.has(n), `job ${n} done twice`);
    attempts.set(n, attempt);
  }
  for (let n = 1; n <= JOBS; n++) assert.equal(attempts.get(n), n % 10 === 3 ? 2 : 1, `job ${n}`);
});

test("a user's Worker runs its Cron listeners; one that fails fails the invocation", T, async () => {
  const fired = await fetch(`${wrangler.url}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);
  assert.equal(fired.status, 200, await fired.clone().text());
  await eventually('the cron listener ran', (output) => output.includes('cron "*/5 * * * *" ran'));
  const failed = await fetch(`${wrangler.url}/__scheduled?cron=${encodeURIComponent('0 0 31 2 *')}`);
  assert.equal(failed.status, 500);
  assert.match(await failed.text(), /the impossible cron fails/);
  assert.equal((await fetch(`${wrangler.url}/health`)).status, 200, 'the Worker serves on');
});
