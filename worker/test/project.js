// A user's project in an empty folder outside the repository, as the
// project-tests build one: its own module (go.mod requiring edgesignals,
// replaced by this repository), its files, and the Worker folder that
// edgeworker builds from it (dir/build).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This repository's folder. */
export const REPO = realpathSync(fileURLToPath(new URL('../../', import.meta.url)));

/** The go.mod of a user's module named module, on this repository's edgesignals. */
export function goMod(module) {
  return `module ${module}

go 1.26

require github.com/edgesignals/edgesignals v0.0.0

replace github.com/edgesignals/edgesignals => ${REPO}
`;
}

/**
 * Writes files (path: text) into a new folder under /tmp named after name,
 * tidies the module and runs `edgeworker build` with buildArgs in it.
 * Returns the folder; the caller removes it.
 */
export function buildProject(name, files, buildArgs = []) {
  // Outside the repository: the Makefile points TMPDIR into it.
  const dir = realpathSync(mkdtempSync(join('/tmp', `edgesignals-${name}-`)));
  assert.ok(!dir.startsWith(REPO + sep), `${dir} is inside the repository`);
  mkdirSync(join(dir, '.tmp'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const env = { ...process.env, TMPDIR: join(dir, '.tmp'), GOWORK: 'off' };
  const run = (...args) => execFileSync('go', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run('mod', 'tidy');
  run('run', 'github.com/edgesignals/edgesignals/worker/cmd/edgeworker', 'build', ...buildArgs);
  return dir;
}
