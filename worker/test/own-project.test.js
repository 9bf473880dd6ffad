// README's "Start your own project", as a user follows it: its marked blocks
// (<!-- docs-test: sh NAME --> before a shell block, <!-- docs-test: file
// PATH --> before a file's content) run in order in an empty folder outside
// the repository, with /path/to/edgesignals standing for this clone. Then
// the Worker runs through the README's dev command, and is checked over
// HTTP; the Go browser module is checked in Node (the README's node block)
// and in Chromium, from the page the Worker serves. If the README changes,
// this test runs what it says now.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumOptions } from '../../web/test/chromium.js';
import { freePort } from './workerd.js';

const REPO = realpathSync(fileURLToPath(new URL('../../', import.meta.url)));
const SECTION = '## Start your own project';

/** The marked blocks of README's section, in order: {kind: 'sh' | 'file', name, text}. */
function readmeBlocks() {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION);
  assert.ok(start >= 0, `README.md has no "${SECTION}" section`);
  const next = readme.indexOf('\n## ', start + SECTION.length);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const blocks = [];
  for (const m of section.matchAll(/<!-- docs-test: (sh|file) (\S+) -->\n```[a-z]*\n([\s\S]*?)\n```/g)) {
    blocks.push({ kind: m[1], name: m[2], text: m[3].replaceAll('/path/to/edgesignals', REPO) });
  }
  return blocks;
}

const blocks = readmeBlocks();
const block = (kind, name) => {
  const found = blocks.find((b) => b.kind === kind && b.name === name);
  assert.ok(found, `README's "${SECTION}" has no <!-- docs-test: ${kind} ${name} --> block`);
  return found;
};

let dir; // the user's project, outside the repository
let env;
let dev; // the README's dev command, running
let devOutput = '';
let base;

/** Runs a README shell block in the project; returns its stdout. */
function sh(name) {
  const { text } = block('sh', name);
  try {
    return execFileSync('bash', ['-euo', 'pipefail', '-c', text], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`README block "${name}" failed:\n${text}\n--- stdout\n${error.stdout}\n--- stderr\n${error.stderr}`);
  }
}

/** Resolves once the dev server's output matches re (or rejects if it exits first). */
function devSays(re, from = 0) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (re.test(devOutput.slice(from))) {
        dev.stdout.off('data', check);
        dev.stderr.off('data', check);
        dev.off('exit', exited);
        resolve();
      }
    };
    const exited = () => reject(new Error(`dev exited before saying ${re}:\n${devOutput}`));
    dev.stdout.on('data', check);
    dev.stderr.on('data', check);
    dev.once('exit', exited);
    check();
  });
}

before(async () => {
  // Outside the repository: the Makefile points TMPDIR into it.
  dir = realpathSync(mkdtempSync(join('/tmp', 'edgesignals-own-project-')));
  assert.ok(!dir.startsWith(REPO + sep), `${dir} is inside the repository`);
  mkdirSync(join(dir, '.tmp'));
  env = { ...process.env, TMPDIR: join(dir, '.tmp'), GOWORK: 'off' };

  // The README's steps, in its order; the dev command comes last, below.
  for (const b of blocks) {
    if (b.kind === 'file') {
      mkdirSync(dirname(join(dir, b.name)), { recursive: true });
      writeFileSync(join(dir, b.name), b.text + '\n');
    } else if (b.name !== 'dev' && b.name !== 'node') {
      sh(b.name);
    }
  }

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The README's command, on a free port rather than 8787. Its own process
  // group, so that go run, edgeworker and workerd all stop together.
  const command = block('sh', 'dev').text.replace(/ dev( |$)/, ` dev -port ${port}$1`);
  dev = spawn('bash', ['-c', command], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => (devOutput += chunk);
  dev.stdout.on('data', keep);
  dev.stderr.on('data', keep);
  await devSays(/serving \S+ on http:\/\/127\.0\.0\.1:\d+\//);
});

after(async () => {
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    process.kill(-dev.pid, 'SIGKILL');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the README builds a Worker folder, ready for workerd and wrangler', () => {
  for (const file of ['app.wasm', 'wasm_exec.js', 'entry.mjs', 'worker.mjs', 'assets.mjs', 'config.capnp', 'wrangler.toml']) {
    assert.ok(existsSync(join(dir, 'build', file)), `build/${file} is missing`);
  }
  assert.match(readFileSync(join(dir, 'build', 'wrangler.toml'), 'utf8'), /^main = "entry\.mjs"$/m);
  // The wasm_exec.js of the Go toolchain that built app.wasm.
  const goroot = execFileSync('go', ['env', 'GOROOT'], { cwd: dir, env, encoding: 'utf8' }).trim();
  assert.equal(readFileSync(join(dir, 'build', 'wasm_exec.js'), 'utf8'), readFileSync(join(goroot, 'lib', 'wasm', 'wasm_exec.js'), 'utf8'));
});

test("the README's Worker answers over HTTP: handler, both middleware, the Done listener", async () => {
  const hello = await fetch(`${base}/hello/Ada`);
  assert.equal(hello.status, 200);
  assert.equal(await hello.text(), 'hello, Ada\n');
  assert.match(hello.headers.get('x-request-id'), /^[1-9][0-9]*$/);

  const long = await fetch(`${base}/hello/${'a'.repeat(40)}`);
  assert.equal(long.status, 414);
  assert.deepEqual(await long.json(), { error: 'Request URI Too Long' });
  assert.match(long.headers.get('x-request-id'), /^[1-9][0-9]*$/, 'the request id comes with a middleware error too');

  assert.equal((await fetch(`${base}/nothing-here`)).status, 404);
  await devSays(/done: GET \/hello\/Ada 200/);
  await devSays(/done: GET \/hello\/a{40} 414/);
});

test('the README dev command says a port is taken, and does not claim to serve', async () => {
  const port = new URL(base).port;
  const command = block('sh', 'dev').text.replace(/ dev( |$)/, ` dev -port ${port}$1`);
  let out = '';
  let code;
  try {
    out = execFileSync('bash', ['-c', command], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    ({ status: code } = error);
    out = error.stdout + error.stderr;
  }
  assert.equal(code, 1, out);
  assert.match(out, new RegExp(`cannot serve on 127\\.0\\.0\\.1:${port}: address already in use`));
  assert.doesNotMatch(out, /serving/);
});

test("the README's Go browser module in Node: the round trip of greet.mjs", () => {
  assert.equal(sh('node'), 'hello, Ada\ngreeter: a name, please\n');
});

test("the README's Go browser module in Chromium, from the page the Worker serves", async () => {
  const browser = await chromium.launch(chromiumOptions);
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    const modules = [];
    page.on('request', (r) => r.url().endsWith('.wasm') && modules.push(r.url()));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.getElementById('out').textContent !== 'loading…', null, { timeout: 30_000 });
    assert.equal(await page.textContent('#out'), 'hello, Ada');
    // The page's preload fetched the module; load() took that response.
    assert.deepEqual(modules, [`${base}/greeter.wasm`]);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('the README dev command rebuilds when a .go file or a static file changes', async () => {
  const main = join(dir, 'main.go');
  const source = readFileSync(main, 'utf8');
  assert.ok(source.includes('"hello, "'), 'main.go greets with "hello, "');
  let from = devOutput.length;
  writeFileSync(main, source.replace('"hello, "', '"hi, "'));
  await devSays(/main\.go changed[\s\S]*serving the new build/, from);
  assert.equal(await (await fetch(`${base}/hello/Ada`)).text(), 'hi, Ada\n');

  const page = join(dir, 'public', 'index.html');
  from = devOutput.length;
  writeFileSync(page, readFileSync(page, 'utf8').replace('<title>greeter</title>', '<title>greeter, again</title>'));
  await devSays(/index\.html changed[\s\S]*serving the new build/, from);
  assert.match(await (await fetch(`${base}/`)).text(), /<title>greeter, again<\/title>/);
});
