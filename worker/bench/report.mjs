// What every edge bench script shares: its command-line options, the median
// it reports, and writing its section of docs/benchmarks.md in place.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
