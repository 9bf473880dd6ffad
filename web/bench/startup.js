// What a page pays before the first emit: the time load() takes, and the
// bytes of edgesignals.wasm next to the smallest Go js/wasm program.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { median, timeOnce } from './harness.js';

/**
 * Times load() from the call to its resolution. The first call must be the
 * process's first load: it alone compiles the module from nothing. Later
 * loads each start a new Go instance, but V8 may hand them the module it
 * compiled before, so they are reported apart; load(module) then times
 * instantiation and the Go program's start alone.
 * @param {typeof import('../src/index.js').load} load
 * @param {URL} wasm edgesignals.wasm
 * @param {number} count loads of each kind after the first
 */
export async function measureLoad(load, wasm, count) {
  const first = await timeOnce(() => load());
  const fresh = [];
  let es = first.value;
  for (let i = 0; i < count; i++) {
    const t = await timeOnce(() => load());
    fresh.push(t.ms);
    es = t.value;
  }
  const module = await WebAssembly.compile(readFileSync(wasm));
  const precompiled = [];
  for (let i = 0; i < count; i++) precompiled.push((await timeOnce(() => load(module))).ms);
  return {
    result: {
      firstMs: first.ms,
      freshMs: { median: median(fresh), runs: fresh },
      precompiledMs: { median: median(precompiled), runs: precompiled },
    },
    es, // a loaded edgesignals.wasm, for the bridge cases
  };
}

// The flags of the Makefile's edgesignals.wasm rule, so both programs are
// built alike; checked against the Makefile below.
const BUILD_FLAGS = ['-trimpath', "-ldflags=-s -w"];
const MAKEFILE_RULE = "go build -trimpath -ldflags='-s -w' -o $@ ./wasm";

const MINIMAL_MAIN = `package main

import "syscall/js"

func main() {
	js.Global().Set("x", 1)
	select {}
}
`;

/**
 * Sizes of edgesignals.wasm and of a minimal Go js/wasm program built now,
 * raw, gzip -9 and brotli (quality 11, or 5 in quick mode: 11 takes seconds
 * per megabyte).
 * @param {URL} wasm
 * @param {URL} makefile
 * @param {{quick: boolean}} options
 */
export function measureSize(wasm, makefile, { quick }) {
  const quality = quick ? 5 : constants.BROTLI_MAX_QUALITY;
  const warnings = [];
  if (!readFileSync(makefile, 'utf8').includes(MAKEFILE_RULE)) {
    warnings.push(`the Makefile no longer builds edgesignals.wasm with "${MAKEFILE_RULE}": update BUILD_FLAGS in web/bench/startup.js`);
  }
  return {
    buildFlags: "-trimpath -ldflags='-s -w'", // BUILD_FLAGS as a shell would take them
    brotliQuality: quality,
    edgesignals: sizes(readFileSync(wasm), quality),
    minimal: sizes(buildMinimal(), quality),
    warnings,
  };
}

function sizes(bytes, quality) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: quality,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}

// Builds the minimal program in a temporary module of its own and returns
// its bytes.
export function buildMinimal() {
  const dir = mkdtempSync(join(tmpdir(), 'edgesignals-minimal-'));
  try {
    writeFileSync(join(dir, 'go.mod'), 'module minimal\n\ngo 1.21\n');
    writeFileSync(join(dir, 'main.go'), MINIMAL_MAIN);
    execFileSync('go', ['build', ...BUILD_FLAGS, '-o', 'minimal.wasm', '.'], {
      cwd: dir,
      // GOWORK=off: a go.work above the temporary directory must not apply.
      env: { ...process.env, GOOS: 'js', GOARCH: 'wasm', GOWORK: 'off' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return readFileSync(join(dir, 'minimal.wasm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
