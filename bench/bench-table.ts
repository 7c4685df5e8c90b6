/**
 * The harness's summary table, in Markdown so it reads in a terminal and pastes into the
 * README: one line per measured figure, espilot beside its same-run baseline, the paired
 * ratio, each as min / median / max over the repetitions, and the goal.
 */
import type { BenchRow, Stats } from './bench-stats.js';

/** 3 significant figures or so: 12345, 123, 12.3, 1.23, 0.123. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

/** `min / median / max`, or the single value when there was one repetition. */
export function fmtStats(s: Stats | undefined, suffix = ''): string {
  if (!s || s.n === 0) return '–';
  if (s.n === 1 || s.min === s.max) return `${num(s.median)}${suffix}`;
  return `${num(s.min)} / **${num(s.median)}** / ${num(s.max)}${suffix}`;
}

export function renderTable(rows: readonly BenchRow[]): string {
  const head = ['id', 'measure', 'unit', 'espilot', 'baseline (same run)', 'baseline', 'ratio', 'goal', ''];
  const lines = rows.map((r) => [
    r.id, r.label, r.unit, fmtStats(r.espilot), r.baseline?.label ?? '–', fmtStats(r.baseline?.stats), fmtStats(r.ratio, '×'),
    r.goal ?? '–', r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    row(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(row),
    '',
    'Figures are min / **median** / max over repetitions; ratios are taken per repetition against the baseline measured beside it.',
  ].join('\n');
}
