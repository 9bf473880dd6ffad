// Horizontal bar charts as SVG, for every benchmark report: report.js and
// worker/bench/edge.mjs import barChart; the Go report (bench/report) writes
// its chart's options as JSON, which this file draws when run:
//
//   node chart.js chart.json out.svg
//
// One row per group, one bar per series, on a linear or a logarithmic axis,
// with every value printed at the end of its bar.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const COLORS = ['#2563eb', '#f97316', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#854d0e', '#db2777', '#65a30d', '#475569'];
const PER_LINE = 3; // legend entries per line

// The value formats a chart read from JSON may name.
export const FORMATS = {
  ratio: (r) => `${r.toFixed(r < 10 ? 2 : r < 100 ? 1 : 0)}x`,
};

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/**
 * @param {object} chart
 * @param {string} chart.title
 * @param {string} chart.note what the axis measures, e.g. "ratio to eventemitter3 (log scale)"
 * @param {Array<{label: string, bars: Array<{series: string, value: number}>}>} chart.groups
 * @param {((v: number) => string) | keyof typeof FORMATS} chart.format how values are printed
 * @param {boolean} [chart.log] a logarithmic axis (for ratios across orders of magnitude)
 * @param {number} [chart.reference] a value to draw a dashed line at (1 for ratios)
 * @returns {string} the SVG document
 */
export function barChart({ title, note, groups, format, log = false, reference }) {
  if (typeof format === 'string') format = FORMATS[format];
  const series = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).concat(reference ?? []);
  const labelWidth = 230, plotWidth = 520, valueWidth = 90, bar = 14, gap = 10;
  const legendLines = Math.ceil(series.length / PER_LINE);
  const top = 44 + legendLines * 16;
  const width = labelWidth + plotWidth + valueWidth;
  const lo = log ? Math.min(...values) / 1.5 : 0;
  const hi = Math.max(...values) * (log ? 1.5 : 1.08);
  const x = (v) => labelWidth + (log ? Math.log(v / lo) / Math.log(hi / lo) : v / hi) * plotWidth;
  const out = [];
  let y = top;
  for (const group of groups) {
    const height = group.bars.length * bar;
    out.push(`<text x="${labelWidth - 8}" y="${y + height / 2 + 4}" text-anchor="end">${escape(group.label)}</text>`);
    for (const b of group.bars) {
      const color = COLORS[series.indexOf(b.series) % COLORS.length];
      const w = Math.max(1, x(b.value) - labelWidth);
      out.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${color}"><title>${escape(`${b.series}: ${format(b.value)}`)}</title></rect>`);
      out.push(`<text x="${labelWidth + w + 4}" y="${y + bar - 4}" class="v">${escape(format(b.value))}</text>`);
      y += bar;
    }
    y += gap;
  }
  if (reference !== undefined) {
    const rx = x(reference).toFixed(1);
    out.push(`<line x1="${rx}" y1="${top - 4}" x2="${rx}" y2="${y - gap + 4}" stroke="#444" stroke-dasharray="4 3"/>`);
  }
  const legend = series.map((s, i) => {
    const lx = 12 + (i % PER_LINE) * 270, ly = 44 + Math.floor(i / PER_LINE) * 16;
    return `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 14}" y="${ly}">${escape(s)}</text>`;
  });
  const height = y + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<style>.v{fill:#333;font-size:11px}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...legend,
    ...out,
    `<text x="${labelWidth}" y="${height - 8}" fill="#555">${escape(note)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) throw new Error('usage: node chart.js chart.json out.svg');
  writeFileSync(output, barChart(JSON.parse(readFileSync(input, 'utf8'))));
}
