/**
 * The ES timeline of a large job (past TIMELINE_RANGES_MAX ranges): time cut into BINS
 * columns, one heat strip per payload worker (how busy the payload was in each column) with a
 * red strip under it for failures, workers grouped into at most MAX_ROWS rows, and the
 * stage-out concurrency as its maximum per column. Its size depends on BINS and MAX_ROWS,
 * never on the number of ranges: a million-range job draws in well under a megabyte.
 */
import type { RangeTiming } from './journal-timeline.js';
import type { JobReport } from './job-report.js';
import { esc, formatSeconds } from './report-format.js';
import { UNDISPATCHED_LANE, laneFinder } from './worker-lanes.js';
import { LEFT, PLOT_W, TIMELINE_COLORS, axis, legend, pauseBands, pauseLegend, phases, scaleOf, svgOpen, type Scale } from './timeline-frame.js';
import { stageOutEnd } from './build-job-report.js';

export const HEAT_BINS = 300;
export const HEAT_MAX_ROWS = 48;
const LEVELS = 8;
const ROW_H = 24;
const STRIP_H = 15;
const FAIL_H = 5;
const CHART_H = 90;

interface Row {
  readonly label: string;
  readonly lanes: number;
  ranges: number;
  failed: number;
  readonly undispatched: boolean;
}

export function* heatTimelineSvgChunks(report: JobReport, ranges: readonly RangeTiming[]): Generator<string> {
  const s = scaleOf(report, ranges);
  const binMs = (s.t1 - s.t0) / HEAT_BINS;
  const binOf = (t: number) => Math.min(HEAT_BINS - 1, Math.max(0, Math.floor((t - s.t0) / binMs)));
  const { lanes, laneOf } = laneFinder(ranges, report.workers);
  const workerLanes = lanes.filter((l) => l.id !== UNDISPATCHED_LANE);
  // Consecutive workers share a row when there are more than fit.
  const per = Math.max(1, Math.ceil(workerLanes.length / (HEAT_MAX_ROWS - 1)));
  const rowOf = new Map<string, number>();
  const rows: Row[] = [];
  workerLanes.forEach((l, i) => {
    const n = Math.floor(i / per);
    if (!rows[n]) {
      const last = Math.min(workerLanes.length, (n + 1) * per);
      rows[n] = { label: per === 1 ? l.label : `workers ${n * per + 1}–${last}`, lanes: last - n * per, ranges: 0, failed: 0, undispatched: false };
    }
    rowOf.set(l.id, n);
  });
  if (workerLanes.length < lanes.length) {
    rowOf.set(UNDISPATCHED_LANE, rows.length);
    rows.push({ label: 'not dispatched', lanes: 1, ranges: 0, failed: 0, undispatched: true });
  }
  const busy = new Float64Array(rows.length * HEAT_BINS);
  const failed = new Uint32Array(rows.length * HEAT_BINS);
  for (const r of ranges) {
    const n = rowOf.get(laneOf(r))!;
    const row = rows[n]!;
    row.ranges++;
    const bad = r.status === 'failed' || r.status === 'fatal';
    if (bad) row.failed++;
    if (r.sentAt === undefined) {
      busy[n * HEAT_BINS + binOf(r.fetchedAt)]! += 1;
      continue;
    }
    const back = Math.max(r.sentAt, r.outputAt ?? r.decidedAt ?? r.sentAt);
    spread(busy, n * HEAT_BINS, r.sentAt - s.t0, back - s.t0, binMs);
    if (bad) failed[n * HEAT_BINS + binOf(r.decidedAt ?? back)]!++;
  }
  const axisY = 8;
  const phasesY = axisY + 32;
  const rowsY = phasesY + 26;
  const chartY = rowsY + rows.length * ROW_H + 16;
  const legendY = chartY + CHART_H + 34;
  const css = '.heat rect{shape-rendering:crispEdges}.busy{fill:' + TIMELINE_COLORS.payload + '}.fail{fill:' + TIMELINE_COLORS.failed + '}.queued{fill:' + TIMELINE_COLORS.pending + '}'
    + Array.from({ length: LEVELS }, (_, i) => `.h${i + 1}{fill-opacity:${((i + 1) / LEVELS).toFixed(3)}}`).join('');
  yield svgOpen(report, legendY + 30, css);
  yield axis(s, axisY, 40 + 26 + rows.length * ROW_H + 12);
  yield `\n${phases(report, s, phasesY)}`;
  yield `\n<g class="heat" data-bins="${HEAT_BINS}" data-rows="${rows.length}" data-ranges="${ranges.length}" data-bin-ms="${binMs.toFixed(3)}">`;
  let maxFailed = 0;
  for (const f of failed) if (f > maxFailed) maxFailed = f;
  for (const [n, row] of rows.entries()) {
    const y = rowsY + n * ROW_H;
    // Busy share: payload time in the column over the time the row's workers had; queued ranges by count.
    let maxQueued = 0;
    if (row.undispatched) for (let b = 0; b < HEAT_BINS; b++) maxQueued = Math.max(maxQueued, busy[n * HEAT_BINS + b]!);
    const share = (b: number) => (row.undispatched ? busy[n * HEAT_BINS + b]! / Math.max(1, maxQueued) : busy[n * HEAT_BINS + b]! / (binMs * row.lanes));
    yield `\n<g class="heat-row" data-row="${n}" data-workers="${row.undispatched ? 0 : row.lanes}" data-ranges="${row.ranges}" data-failed="${row.failed}">`
      + `<rect x="${LEFT}" y="${y}" width="${PLOT_W}" height="${ROW_H - 2}" fill="${n % 2 ? '#fafafa' : '#f3f3f3'}"/>`
      + `<text x="${LEFT - 8}" y="${y + 11}" text-anchor="end" class="lbl">${esc(row.label)}</text>`
      + `<text x="${LEFT - 8}" y="${y + 21}" text-anchor="end" class="sub">${row.ranges} range(s)${row.failed ? `, ${row.failed} failed` : ''}</text>`
      + strip(s, binMs, y + 1, STRIP_H, row.undispatched ? 'queued' : 'busy', (b) => Math.min(1, share(b)), (v) => (row.undispatched ? `ranges fetched, never dispatched: ${Math.round(v * maxQueued)}` : `payload busy ${Math.round(v * 100)} %`))
      + strip(s, binMs, y + 1 + STRIP_H + 1, FAIL_H, 'fail', (b) => failed[n * HEAT_BINS + b]! / Math.max(1, maxFailed), (v) => `failed: ${Math.round(v * maxFailed)} range(s)`)
      + '</g>';
  }
  yield '</g>';
  yield `\n${pauseBands(report.events ?? [], s, rowsY, rows.length * ROW_H)}`;
  yield `\n${concurrencyChart(ranges, s, binMs, chartY)}`;
  yield `\n${legend(legendY, [
    ['payload busy (darker: busier)', TIMELINE_COLORS.payload], ['failed ranges', TIMELINE_COLORS.failed],
    ['stage-out concurrency (max per column)', TIMELINE_COLORS.concurrency], ['fetched, never dispatched', TIMELINE_COLORS.pending], ...pauseLegend(report),
  ])}</svg>`;
}

/** Adds the interval [a, b) (ms since the start) to the bins it covers, by overlap. */
function spread(into: Float64Array, base: number, a: number, b: number, binMs: number): void {
  const first = Math.min(HEAT_BINS - 1, Math.max(0, Math.floor(a / binMs)));
  const last = Math.min(HEAT_BINS - 1, Math.max(0, Math.floor(b / binMs)));
  for (let i = first; i <= last; i++) into[base + i]! += Math.max(0, Math.min(b, (i + 1) * binMs) - Math.max(a, i * binMs));
}

/** Runs of columns at the same level as rects (empty columns draw nothing). */
function strip(s: Scale, binMs: number, y: number, h: number, cls: string, value: (bin: number) => number, what: (v: number) => string): string {
  const out: string[] = [];
  const x = (b: number) => s.x(s.t0 + b * binMs);
  const level = (b: number) => Math.min(LEVELS, Math.ceil(value(b) * LEVELS - 1e-9));
  for (let b = 0; b < HEAT_BINS;) {
    const l = level(b);
    let e = b + 1;
    while (e < HEAT_BINS && level(e) === l) e++;
    if (l > 0) {
      const peak = Math.max(...Array.from({ length: e - b }, (_, i) => value(b + i)));
      const title = `${what(peak)}, +${formatSeconds((b * binMs) / 1000)} to +${formatSeconds((e * binMs) / 1000)}`;
      out.push(`<rect x="${x(b).toFixed(1)}" y="${y}" width="${Math.max(0.5, x(e) - x(b)).toFixed(1)}" height="${h}" class="${cls} h${l}"><title>${esc(title)}</title></rect>`);
    }
    b = e;
  }
  return out.join('');
}

/** Ranges between output and stored: the most open at once in each column, as a step line. */
function concurrencyChart(ranges: readonly RangeTiming[], s: Scale, binMs: number, y: number): string {
  const out = ranges.filter((r) => r.outputAt !== undefined);
  const starts = Float64Array.from(out, (r) => r.outputAt!).sort();
  const ends = Float64Array.from(out, stageOutEnd).sort();
  const perBin = new Float64Array(HEAT_BINS);
  const binOf = (t: number) => Math.min(HEAT_BINS - 1, Math.max(0, Math.floor((t - s.t0) / binMs)));
  let open = 0;
  let peak = 0;
  let bin = 0;
  for (let i = 0, j = 0; i < starts.length || j < ends.length;) {
    const closing = j < ends.length && (i >= starts.length || ends[j]! <= starts[i]!);
    const t = closing ? ends[j++]! : starts[i++]!;
    const b = binOf(t);
    // Columns passed with no change keep the level they were left at.
    for (; bin < b; bin++) perBin[bin + 1] = open;
    open += closing ? -1 : 1;
    if (open > perBin[b]!) perBin[b] = open;
    if (open > peak) peak = open;
  }
  for (; bin < HEAT_BINS - 1; bin++) perBin[bin + 1] = open;
  const max = Math.max(1, peak);
  const py = (v: number) => (y + CHART_H - (v / max) * CHART_H).toFixed(1);
  const x = (b: number) => s.x(s.t0 + b * binMs).toFixed(1);
  let path = `M${x(0)},${py(0)}`;
  for (let b = 0; b < HEAT_BINS; b++) path += `L${x(b)},${py(perBin[b]!)}L${x(b + 1)},${py(perBin[b]!)}`;
  return `<g class="concurrency" data-max="${peak}">`
    + `<rect x="${LEFT}" y="${y}" width="${PLOT_W}" height="${CHART_H}" fill="#fcfcfc" stroke="#ddd"/>`
    + `<path d="${path}L${x(HEAT_BINS)},${py(0)}Z" fill="${TIMELINE_COLORS.concurrency}" fill-opacity="0.35" stroke="${TIMELINE_COLORS.concurrency}"/>`
    + `<text x="${LEFT - 8}" y="${y + 14}" text-anchor="end" class="lbl">stage-out concurrency</text>`
    + `<text x="${LEFT - 8}" y="${y + 28}" text-anchor="end" class="sub">max per column</text>`
    + `<text x="${LEFT - 8}" y="${y + CHART_H}" text-anchor="end" class="tick">0</text><text x="${LEFT - 8}" y="${y + 44}" text-anchor="end" class="tick">peak ${peak}</text></g>`;
}
