// Timing: each case runs in rounds, one round timing every case of a group
// once, so that a noisy moment on this shared machine hits all of them alike
// and a ratio can pair two figures taken side by side in the same round.

import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection before each case, so that no case pays for the garbage
// of the one before it (emittery's promises, say). Node exposes gc only with
// --expose-gc; setting the flag at run time makes new contexts get it.
const collectGarbage = exposeGc();

function exposeGc() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  if (typeof gc === 'function') return gc;
  console.error('bench: warning: no gc(); run node with --expose-gc');
  return () => {};
}

/**
 * A benchmark case. make() sets it up and returns:
 *   run(n)      does n operations; may return a promise (awaited, and timed)
 *   check(ops)  optional: throws unless the listeners saw all ops operations
 *               run so far, so that a case that silently stopped delivering
 *               fails instead of looking fast
 * @typedef {{ id: string, make: () => Promise<Instance> | Instance }} Case
 * @typedef {{ run: (n: number) => void | Promise<void>, check?: (ops: number) => void }} Instance
 */

/**
 * @typedef {object} Options
 * @property {number} runs rounds; each gives one figure per case
 * @property {number} [iterations] fixed operations per timed run (quick mode);
 *   otherwise calibrated per case so that a timed run lasts about targetMs
 * @property {number} [targetMs]
 */

/**
 * Times every case of a group, round by round.
 * @param {Case[]} cases
 * @param {Options} options
 * @returns {Promise<Record<string, Result>>} by case id
 * @typedef {{ median: number, runs: number[], iterations: number, ops: number }} Result
 *   median and runs in ns per operation; ops is every operation run, calibration included
 */
export async function measureGroup(cases, options) {
  const states = [];
  for (const c of cases) {
    const instance = await c.make();
    const s = { c, instance, iterations: options.iterations, ops: 0, runs: [] };
    if (s.iterations === undefined) await calibrate(s, options.targetMs ?? 50);
    states.push(s);
  }
  for (let round = 0; round < options.runs; round++) {
    for (const s of states) {
      collectGarbage();
      // Warm-up: lets the JIT settle again after the other cases ran.
      const warm = Math.max(1, Math.ceil(s.iterations / 5));
      await s.instance.run(warm);
      const ms = await timed(s.instance, s.iterations);
      s.ops += warm + s.iterations;
      s.runs.push((ms * 1e6) / s.iterations);
    }
  }
  const results = {};
  for (const s of states) {
    try {
      s.instance.check?.(s.ops);
    } catch (error) {
      throw new Error(`${s.c.id}: ${error.message}`, { cause: error });
    }
    results[s.c.id] = { median: median(s.runs), runs: s.runs, iterations: s.iterations, ops: s.ops };
  }
  return results;
}

async function timed(instance, n) {
  const start = performance.now();
  await instance.run(n);
  return performance.now() - start;
}

// Sets s.iterations to about targetMs worth of operations. The growing runs
// also warm the case up, so that the first round starts with optimized code.
// Each size is timed thrice and the fastest counts: one run slowed by a
// collection or a neighbour would otherwise stop the growth far too early.
async function calibrate(s, targetMs) {
  for (let n = 64; ; n *= 4) {
    let ms = Infinity;
    for (let i = 0; i < 3; i++) {
      ms = Math.min(ms, await timed(s.instance, n));
      s.ops += n;
    }
    if (ms >= targetMs / 4 || n >= 1e8) {
      s.iterations = Math.max(16, Math.ceil((n * targetMs) / Math.max(ms, 1e-3)));
      return;
    }
  }
}

/** Throws unless got === want; for check(). */
export function expectCount(what, got, want) {
  if (got !== want) throw new Error(`${what}: ${got}, expected ${want}`);
}

/** Times fn() once, in milliseconds. */
export async function timeOnce(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The ratio of two cases measured in the same group: the median of the
 * per-round ratios, which cancels noise that hit both in the same round.
 */
export function pairedRatio(a, b) {
  const ratios = a.runs.map((v, i) => v / b.runs[i]);
  return { median: median(ratios), runs: ratios };
}
