// Starts workerd on free loopback ports and stops it by its process id:
// workerd ignores SIGTERM while connections are open.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const WORKERD = fileURLToPath(new URL('../node_modules/.bin/workerd', import.meta.url));

/** Resolves with a port that was free a moment ago. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs `workerd serve config` with each named socket on a free port, and
 * resolves once every socket answers a GET of path.
 * @param {string} config path of the .capnp file
 * @param {string[]} sockets socket names of the config
 * @param {{ path?: string, args?: string[], ports?: Record<string, number> }} [options]
 *   path: what to ask for until it answers; args: more workerd flags (such as
 *   --experimental); ports: sockets to put on these ports instead (a restart)
 * @returns {Promise<{ urls: Record<string, string>, child, stop: () => Promise<void>,
 *   readyMs: number, firstStatus: number }>} readyMs: from the start of the process to the
 *   last first answer; firstStatus: that answer's status
 */
export async function startWorkerd(config, sockets = ['http'], { path = '/', args: flags = [], ports = {} } = {}) {
  const urls = {};
  const args = ['serve', ...flags, config];
  for (const name of sockets) {
    const port = ports[name] ?? (await freePort());
    urls[name] = `http://127.0.0.1:${port}`;
    args.push('--socket-addr', `${name}=127.0.0.1:${port}`);
  }
  const start = performance.now();
  const child = spawn(WORKERD, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    return exited;
  };
  let firstStatus;
  try {
    for (const url of Object.values(urls)) firstStatus = await waitForHTTP(url + path, exited, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, child, stop, readyMs: performance.now() - start, firstStatus };
}

/** Resolves with the status of the first answer from url. */
async function waitForHTTP(url, exited, stderr) {
  const deadline = performance.now() + 15_000;
  let gone = false;
  exited.then(() => (gone = true));
  while (!gone && performance.now() < deadline) {
    try {
      const response = await fetch(url, { redirect: 'manual' });
      await response.arrayBuffer();
      return response.status;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  throw new Error(`workerd did not answer at ${url}${gone ? ' (it exited)' : ''}:\n${stderr()}`);
}

/**
 * Writes a copy of a Worker's config next to it, named name, with its
 * GO_POOL variable (the Go runtimes' memory budget, see worker/js/worker.mjs)
 * set to pool, and returns the copy's path.
 * @param {string} config path of a .capnp file that sets GO_POOL
 * @param {string} name
 * @param {object | string} pool GO_POOL's value (a string is sent as it is)
 */
export function withGoPool(config, name, pool) {
  const text = readFileSync(config, 'utf8');
  const binding = /\(name = "GO_POOL", json = ".*?(?<!\\)"\)/;
  if (!binding.test(text)) throw new Error(`${config} sets no GO_POOL`);
  const json = typeof pool === 'string' ? pool : JSON.stringify(pool);
  const copy = config.replace(/[^/]*$/, `${name}.capnp`);
  writeFileSync(copy, text.replace(binding, `(name = "GO_POOL", json = ${JSON.stringify(json)})`));
  return copy;
}

/** The GO_POOL a Worker's config sets, as an object. */
export function goPool(config) {
  const [, json] = /\(name = "GO_POOL", json = (".*?(?<!\\)")\)/.exec(readFileSync(config, 'utf8')) ?? [];
  if (json === undefined) throw new Error(`${config} sets no GO_POOL`);
  return JSON.parse(JSON.parse(json));
}

/** The resident memory of the process pid, in MB. */
export function rssMB(pid) {
  return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)[1]) / 1024;
}

/** Samples fn every 10 ms while work runs; resolves with work's result and the largest sample. */
export async function sampling(fn, work) {
  let peak = await fn();
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await fn());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  try {
    return { result: await work, peak };
  } finally {
    running = false;
    await sampler;
  }
}
