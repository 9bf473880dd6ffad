// load(source): how a source is found and compiled, and the checks that the
// module and the package's JavaScript fit each other (the Go module's own
// wasm_exec.js imports, its Go release, the bridge protocol).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from '../src/index.js';
import { Host, PROTOCOL } from '../src/bridge.js';
import { WASM_EXEC_GO } from '../src/wasm_exec_go.js';

const TEST_MODULE = fileURLToPath(new URL('./testmodule.wasm', import.meta.url));

test('a relative path resolves against the current directory, as in a shell', async () => {
  const path = relative(process.cwd(), TEST_MODULE);
  assert.ok(!path.startsWith('/'));
  const es = await load(path);
  assert.deepEqual(es.signal('go.sum').keys(), ['adder']);
});

test('an absolute path, a file: URL string and a URL load too', async () => {
  for (const source of [TEST_MODULE, `file://${TEST_MODULE}`, new URL(`file://${TEST_MODULE}`)]) {
    const es = await load(source);
    assert.ok(es.signal('go.sum'));
  }
});

test('a source that is none of the accepted kinds is a TypeError', async () => {
  for (const source of [42, null, {}, true]) {
    await assert.rejects(load(source), { name: 'TypeError', message: /load: source must be/ });
  }
  await assert.rejects(load('./no-such-module.wasm'), { code: 'ENOENT', message: /no-such-module\.wasm/ });
});

// A module with one import, gojs.runtime.<name>, and nothing else: what a Go
// release with another wasm_exec.js would ask for.
function moduleImporting(name) {
  const str = (s) => [s.length, ...Buffer.from(s)];
  const type = [0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00]; // (func (param i32))
  const entry = [...str('gojs'), ...str(name), 0x00, 0x00];
  const imports = [0x02, entry.length + 1, 0x01, ...entry];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports]);
}

test("a module needing imports that this wasm_exec.js lacks is refused at load, saying so", async () => {
  await assert.rejects(load(moduleImporting('runtime.newInAFutureGo')), (error) => {
    assert.match(error.message, /needs gojs\.runtime\.newInAFutureGo, which this package's wasm_exec\.js/);
    assert.ok(error.message.includes(WASM_EXEC_GO), error.message);
    return true;
  });
});

// A Host over a stand-in instance, to check what hello() answers Go.
function host() {
  const memory = new WebAssembly.Memory({ initial: 1 });
  return new Host({ exports: { mem: memory } }, { _resume() {}, mem: new DataView(memory.buffer) });
}

test('hello() accepts the same protocol and Go release, and refuses others with one clear error', () => {
  const release = WASM_EXEC_GO.match(/^go\d+\.\d+/)[0];
  for (const version of [WASM_EXEC_GO, `${release}.99`, `${release}rc1`, 'devel go1.99-abcdef']) {
    const h = host();
    assert.equal(h.hello(PROTOCOL, version, 0), PROTOCOL, version);
    assert.equal(h.refusal, null);
  }
  let h = host();
  const answer = h.hello(PROTOCOL, 'go1.19.13', 0);
  assert.equal(typeof answer, 'string', 'Go is told why, and stops');
  assert.equal(h.refusal.message, answer);
  assert.match(answer, new RegExp(`built by go1\\.19\\.13, but this package's wasm_exec\\.js comes from ${WASM_EXEC_GO.replaceAll('.', '\\.')}`));

  h = host();
  assert.match(h.hello(PROTOCOL + 1, WASM_EXEC_GO, 0), new RegExp(`speaks bridge protocol ${PROTOCOL + 1}, this package protocol ${PROTOCOL}`));
});

test('a module built by another Go release is refused at load, saying which', async () => {
  // othergo.wasm is the test module with runtime.Version() set to go1.19.13.
  await assert.rejects(load(new URL('./othergo.wasm', import.meta.url)), {
    message: new RegExp(`othergo\\.wasm was built by go1\\.19\\.13, but this package's wasm_exec\\.js comes from ${
      WASM_EXEC_GO.replaceAll('.', '\\.')}: build it with Go`),
  });
  assert.ok((await load(TEST_MODULE)).signal('go.sum'), 'load() still works');
});

test('the generated wasm_exec_go.js names the Go that make used', () => {
  assert.equal(WASM_EXEC_GO, execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim());
});
