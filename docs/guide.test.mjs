// Runs the program that the blocks of guide.md marked <!-- guide-test: FILE -->
// make up (a Go module main, main.go, and the JavaScript that loads it,
// app.mjs) as a user would: in a module of its own that requires this one,
// with the npm package installed from web/. The Go blocks are built for
// GOOS=js GOARCH=wasm into app.wasm, `node app.mjs` runs, and what it prints
// must be the `// Output:` lines of the JavaScript blocks, in order.
// Run by `make test-web` (node --test docs/guide.test.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** The marked blocks of the guide: { file: [code, ...] } in order. */
function markedBlocks() {
  const lines = readFileSync(join(root, 'docs', 'guide.md'), 'utf8').split('\n');
  const files = {};
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- guide-test: (\S+) -->$/.exec(lines[i]);
    if (!m) continue;
    assert.match(lines[i + 1] ?? '', /^```(go|js)$/, `guide.md:${i + 2}: a fenced Go or JavaScript block must follow the marker`);
    const end = lines.indexOf('```', i + 2);
    assert.ok(end > 0, `guide.md:${i + 2}: the block does not end`);
    (files[m[1]] ??= []).push(lines.slice(i + 2, end).join('\n'));
    i = end;
  }
  return files;
}

test('the guide\'s JavaScript and Go module print what the guide says', () => {
  const files = markedBlocks();
  assert.deepEqual(Object.keys(files).sort(), ['app.mjs', 'main.go']);
  const dir = mkdtempSync(join(tmpdir(), 'guide-'));
  try {
    const main = files['main.go'].join('\n\n') + '\n';
    const app = files['app.mjs'].join('\n') + '\n';
    writeFileSync(join(dir, 'main.go'), main);
    writeFileSync(join(dir, 'app.mjs'), app);
    writeFileSync(join(dir, 'go.mod'), [
      'module example.com/shop', '', 'go 1.26', '',
      'require github.com/edgesignals/edgesignals v0.0.0', '',
      `replace github.com/edgesignals/edgesignals => ${root}`, '',
    ].join('\n'));
    copyFileSync(join(root, 'go.sum'), join(dir, 'go.sum'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(root, 'web'), join(dir, 'node_modules', 'edgesignals'), 'dir');

    const run = (cmd, args, env = {}) => execFileSync(cmd, args, { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(run('gofmt', ['-l', 'main.go']), '', 'the guide\'s Go blocks are gofmt-ed');
    run('go', ['mod', 'tidy']);
    run('go', ['build', '-o', 'app.wasm', '.'], { GOOS: 'js', GOARCH: 'wasm' });
    const want = files['app.mjs']
      .flatMap((block) => {
        const lines = block.split('\n');
        const at = lines.indexOf('// Output:');
        return at < 0 ? [] : lines.slice(at + 1).map((l) => l.replace(/^\/\/ ?/, ''));
      })
      .join('\n');
    assert.ok(want.length > 0, 'the JavaScript blocks say what they print');
    assert.equal(run('node', ['app.mjs']).trimEnd(), want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
