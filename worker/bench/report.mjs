// What every edge bench script shares: its command-line options, the median
// it reports, and writing its section of docs/benchmarks.md in place.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The options of a bench script: `--quick` (one short run, for the smoke
 * pass), `--runs N` (defaultRuns otherwise) and `--out FILE` (docs/benchmarks.md
 * otherwise; /dev/null prints the section only).
 */
export function benchOptions(defaultRuns) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const runs = quick ? 1 : Number(args[args.indexOf('--runs') + 1] || defaultRuns);
  const out = args.includes('--out')
    ? args[args.indexOf('--out') + 1]
    : fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
  return { quick, runs, out };
}

/**
 * The CPU time process pid has had, in ns: the sum over its threads of
 * Linux's schedstat, which a busy machine does not inflate as it does wall
 * time; null where there is none.
 */
export function cpuNs(pid) {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns;
  } catch {
    return null;
  }
}

/** The median of xs (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Prints section and puts it into out between the markers
 * `<!-- name:start -->` and `<!-- name:end -->`, replacing what stood there,
 * or at the end of out if the markers are not there yet.
 */
export function publish(out, name, section) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const marked = `${start}\n${section.trim()}\n${end}`;
  if (out !== '/dev/null') {
    const old = existsSync(out) ? readFileSync(out, 'utf8') : '';
    const at = old.indexOf(start);
    const to = old.indexOf(end);
    writeFileSync(
      out,
      at >= 0 && to > at ? old.slice(0, at) + marked + old.slice(to + end.length) : old.trimEnd() + '\n\n' + marked + '\n',
    );
  }
  console.log(marked);
}
