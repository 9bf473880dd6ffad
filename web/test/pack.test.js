// The package as a user gets it: packed with npm pack, installed into an
// empty folder, imported by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

test('npm pack, npm install into a clean folder, import edgesignals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgesignals-pack-'));
  try {
    const tarball = npm(['pack', '--pack-destination', dir], new URL('..', import.meta.url).pathname).trim().split('\n').pop();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    npm(['install', join(dir, tarball)], dir);
    writeFileSync(join(dir, 'main.js'), `
      import { load } from 'edgesignals';
      const es = await load();
      const orders = es.createSignal({ name: 'orders' });
      const seen = [];
      orders.addListener((o) => seen.push(o.item), 'js:seen');
      await orders.tryEmit({ item: 'tea', quantity: 1, email: 'a@b.c' });
      const error = await orders.tryEmit({ item: '', quantity: 1, email: 'a@b.c' }).catch((e) => e);
      console.log(JSON.stringify({ keys: orders.keys(), seen, error: error.message }));
    `);
    const out = JSON.parse(execFileSync('node', ['main.js'], { cwd: dir, encoding: 'utf8' }));
    assert.deepEqual(out, { keys: ['go:validate', 'js:seen'], seen: ['tea'], error: 'order: choose an item' });

    // A Go module of the user's own, next to their code: a path is taken
    // from the current directory, not from the package's folder.
    copyFileSync(new URL('./testmodule.wasm', import.meta.url), join(dir, 'app.wasm'));
    writeFileSync(join(dir, 'app.js'), `
      import { load } from 'edgesignals';
      const app = await load('./app.wasm');
      console.log(JSON.stringify(app.signal('go.sum').keys()));
    `);
    assert.deepEqual(JSON.parse(execFileSync('node', ['app.js'], { cwd: dir, encoding: 'utf8' })), ['adder']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
