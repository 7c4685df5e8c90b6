/**
 * The ES timeline as inline SVG: a time axis, the job's phases, one lane per payload worker
 * with every range drawn as a group `<g class="range" data-range-id=…>` (payload time on top,
 * stage-out and report below), the stage-out concurrency over time, and a legend. Failed
 * ranges are red with a dark outline. No scripts, no external assets.
 */
import type { RangeTiming } from './journal-timeline.js';
import type { JobReport } from './job-report.js';
import { esc, formatSeconds, niceStep } from './report-format.js';
import { assignLanes } from './worker-lanes.js';
import { maxOf } from './build-job-report.js';

/** The timeline's palette (Tableau 10 hues); failed ranges use `failed` with a `failedEdge` outline. */
export const TIMELINE_COLORS = {
  payload: '#4e79a7', stageOut: '#f28e2b', report: '#59a14f', failed: '#e15759', failedEdge: '#8b0000',
  pending: '#bab0ac', phase: ['#d4e4f4', '#b9d3ee', '#fde2c4', '#d8ecd2', '#eeeeee'], concurrency: '#f28e2b',
} as const;

const W = 1200;
const LEFT = 200;
const RIGHT = 24;
const LANE_H = 30;
const CHART_H = 90;

interface Scale {
  readonly t0: number;
  readonly t1: number;
  x(t: number): number;
}

/** @returns the `<svg>` element for an ES job report (one with ranges). */
export function timelineSvg(report: JobReport): string {
  return [...timelineSvgChunks(report)].join('');
}

/**
 * The same `<svg>` element in pieces (one per range group), for writing a large job's
 * timeline without holding it whole in memory.
 */
export function* timelineSvgChunks(report: JobReport): Generator<string> {
  const ranges = report.ranges?.items ?? [];
  const t0 = report.startedAt;
  const last = maxOf([...report.phases.map((p) => p.end), ...ranges.map(lastTime)], report.endedAt ?? 0);
  const t1 = Math.max(last, t0 + 1);
  const scale: Scale = { t0, t1, x: (t) => LEFT + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * (W - LEFT - RIGHT) };
  const { lanes, laneOf } = assignLanes(ranges);
  const axisY = 8;
  const phasesY = axisY + 32;
  const lanesY = phasesY + 26;
  const chartY = lanesY + lanes.length * LANE_H + 16;
  const legendY = chartY + CHART_H + 34;
  yield `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${legendY + 30}" width="100%" role="img" aria-label="timeline of job ${esc(report.job.pandaId)}">`
    + '<style>text{font:12px system-ui,sans-serif;fill:#222}.sub{font-size:10px;fill:#666}.tick{font-size:10px;fill:#555}'
    + '.range rect{shape-rendering:crispEdges}.range.failed .payload,.range.fatal .payload{stroke:#8b0000;stroke-width:1.5}</style>';
  yield axis(scale, axisY, 40 + 26 + lanes.length * LANE_H + 12);
  yield `\n${phases(report, scale, phasesY)}`;
  const laneY = new Map<string, number>();
  for (const [i, lane] of lanes.entries()) {
    const ly = lanesY + i * LANE_H;
    laneY.set(lane.id, ly);
    yield `\n<g class="lane" data-lane="${esc(lane.id)}"><rect x="${LEFT}" y="${ly}" width="${W - LEFT - RIGHT}" height="${LANE_H - 2}" fill="${i % 2 ? '#fafafa' : '#f3f3f3'}"/>`
      + `<text x="${LEFT - 8}" y="${ly + 13}" text-anchor="end" class="lbl">${esc(lane.label)}</text>`
      + `<text x="${LEFT - 8}" y="${ly + 25}" text-anchor="end" class="sub">${lane.ranges} range(s)${lane.failed ? `, ${lane.failed} failed` : ''}</text></g>`;
  }
  for (const r of ranges) yield `\n${rangeGroup(r, laneOf.get(r.id)!, laneY.get(laneOf.get(r.id)!)!, scale)}`;
  yield `\n${concurrencyChart(ranges, scale, chartY)}`;
  yield `\n${legend(legendY)}</svg>`;
}

function lastTime(r: RangeTiming): number {
  return Math.max(r.fetchedAt, r.sentAt ?? 0, r.outputAt ?? 0, r.storedAt ?? 0, r.decidedAt ?? 0, r.reportedAt ?? 0);
}

function axis(s: Scale, y: number, height: number): string {
  const span = (s.t1 - s.t0) / 1000;
  const step = niceStep(span, 10);
  const out: string[] = [`<g class="axis"><text x="${LEFT - 8}" y="${y + 12}" text-anchor="end" class="lbl">time since job start</text>`];
  for (let v = 0; v <= span + 1e-9; v += step) {
    const x = s.x(s.t0 + v * 1000).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${y + 16}" y2="${y + height}" stroke="#ddd"/><text x="${x}" y="${y + 12}" text-anchor="${v === 0 ? 'start' : 'middle'}" class="tick">${esc(tickLabel(v, step))}</text>`);
  }
  return `${out.join('')}</g>`;
}

function tickLabel(v: number, step: number): string {
  const digits = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
  return `${v.toFixed(digits)} s`;
}

function phases(report: JobReport, s: Scale, y: number): string {
  const out = [`<g class="phases"><text x="${LEFT - 8}" y="${y + 14}" text-anchor="end" class="lbl">job phases</text>`];
  report.phases.forEach((p, i) => {
    const x = s.x(p.start);
    const w = Math.max(0, s.x(p.end) - x);
    const fill = TIMELINE_COLORS.phase[i % TIMELINE_COLORS.phase.length];
    out.push(`<rect class="phase" data-phase="${esc(p.name)}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="20" fill="${fill}" stroke="#fff"><title>${esc(`${p.name}: ${formatSeconds(p.seconds)}`)}</title></rect>`);
    if (w > 60) out.push(`<text x="${(x + w / 2).toFixed(1)}" y="${y + 14}" text-anchor="middle" class="sub">${esc(`${p.name} ${formatSeconds(p.seconds)}`)}</text>`);
  });
  return `${out.join('')}</g>`;
}

function rangeGroup(r: RangeTiming, lane: string, y: number, s: Scale): string {
  const bad = r.status === 'failed' || r.status === 'fatal';
  const rect = (cls: string, a: number, b: number, top: number, h: number, fill: string) =>
    `<rect class="${cls}" x="${s.x(a).toFixed(2)}" y="${top}" width="${Math.max(1.5, s.x(b) - s.x(a)).toFixed(2)}" height="${h}" fill="${fill}"/>`;
  const rects: string[] = [];
  if (r.sentAt === undefined) {
    rects.push(rect('fetched', r.fetchedAt, r.fetchedAt, y + 4, 18, TIMELINE_COLORS.pending));
  } else {
    const back = r.outputAt ?? r.decidedAt ?? r.sentAt;
    rects.push(rect('payload', r.sentAt, back, y + 4, 12, bad && r.outputAt === undefined ? TIMELINE_COLORS.failed : TIMELINE_COLORS.payload));
    if (r.outputAt !== undefined) {
      const stored = r.storedAt ?? r.decidedAt ?? r.outputAt;
      rects.push(rect('stage-out', r.outputAt, stored, y + 18, 8, bad ? TIMELINE_COLORS.failed : TIMELINE_COLORS.stageOut));
    }
    const decided = r.storedAt ?? r.decidedAt;
    if (decided !== undefined && r.reportedAt !== undefined) rects.push(rect('report', decided, r.reportedAt, y + 18, 8, TIMELINE_COLORS.report));
  }
  const title = [
    `range ${r.id} (events ${r.startEvent}-${r.lastEvent} of ${r.lfn})`,
    `status ${r.status}${r.code ? ` ${r.code}` : ''}${r.diag ? `: ${r.diag}` : ''}`,
    ...([['dispatched', r.sentAt], ['output', r.outputAt], ['stored', r.storedAt], ['reported', r.reportedAt]] as const)
      .filter(([, t]) => t !== undefined).map(([n, t]) => `${n} at +${((t! - s.t0) / 1000).toFixed(3)} s`),
  ].join('\n');
  return `<g class="range ${esc(r.status)}" data-range-id="${esc(r.id)}" data-status="${esc(r.status)}" data-lane="${esc(lane)}" opacity="0.92"><title>${esc(title)}</title>${rects.join('')}</g>`;
}

function concurrencyChart(ranges: readonly RangeTiming[], s: Scale, y: number): string {
  const edges = ranges.filter((r) => r.outputAt !== undefined)
    .flatMap((r) => [[r.outputAt!, 1], [Math.max(r.outputAt!, r.storedAt ?? r.decidedAt ?? r.outputAt!), -1]] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  const points: Array<[number, number]> = [[s.t0, 0]];
  for (const [t, d] of edges) {
    points.push([t, open]);
    open += d;
    points.push([t, open]);
    peak = Math.max(peak, open);
  }
  const max = Math.max(1, peak);
  points.push([s.t1, open]);
  const py = (v: number) => y + CHART_H - (v / max) * CHART_H;
  const path = points.map(([t, v], i) => `${i ? 'L' : 'M'}${s.x(t).toFixed(1)},${py(v).toFixed(1)}`).join('');
  return `<g class="concurrency" data-max="${peak}">`
    + `<rect x="${LEFT}" y="${y}" width="${W - LEFT - RIGHT}" height="${CHART_H}" fill="#fcfcfc" stroke="#ddd"/>`
    + `<path d="${path}L${s.x(s.t1).toFixed(1)},${py(0).toFixed(1)}Z" fill="${TIMELINE_COLORS.concurrency}" fill-opacity="0.35" stroke="${TIMELINE_COLORS.concurrency}"/>`
    + `<text x="${LEFT - 8}" y="${y + 14}" text-anchor="end" class="lbl">stage-out concurrency</text>`
    + `<text x="${LEFT - 8}" y="${y + 28}" text-anchor="end" class="sub">ranges between output and stored</text>`
    + `<text x="${LEFT - 8}" y="${y + CHART_H}" text-anchor="end" class="tick">0</text><text x="${LEFT - 8}" y="${y + 44}" text-anchor="end" class="tick">peak ${peak}</text></g>`;
}

function legend(y: number): string {
  const items: Array<[string, string, string?]> = [
    ['payload: dispatched → output', TIMELINE_COLORS.payload], ['stage-out: output → stored', TIMELINE_COLORS.stageOut],
    ['report: stored → acknowledged', TIMELINE_COLORS.report], ['failed / fatal range', TIMELINE_COLORS.failed, TIMELINE_COLORS.failedEdge],
    ['fetched, never dispatched', TIMELINE_COLORS.pending],
  ];
  let x = LEFT;
  const out = items.map(([label, fill, edge]) => {
    const g = `<rect x="${x}" y="${y}" width="14" height="12" fill="${fill}"${edge ? ` stroke="${edge}" stroke-width="1.5"` : ''}/><text x="${x + 20}" y="${y + 11}">${esc(label)}</text>`;
    x += 34 + label.length * 6.6;
    return g;
  });
  return `<g class="legend">${out.join('')}</g>`;
}
