/**
 * The ES timeline as inline SVG. Up to TIMELINE_RANGES_MAX ranges: a time axis, the job's
 * phases, one lane per payload worker with every range drawn as a group
 * `<g class="range" data-range-id=…>` (payload time on top, stage-out and report below), the
 * stage-out concurrency over time, and a legend; failed ranges are red with a dark outline.
 * Larger jobs get the aggregated form (timeline-heat.ts), whose size does not grow with the
 * ranges. No scripts, no external assets.
 */
import type { RangeTiming } from './journal-timeline.js';
import type { JobReport } from './job-report.js';
import { esc } from './report-format.js';
import { assignLanes } from './worker-lanes.js';
import { LEFT, PLOT_W, TIMELINE_COLORS, axis, legend, pauseBands, pauseLegend, phases, scaleOf, svgOpen, type Scale } from './timeline-frame.js';
import { heatTimelineSvgChunks } from './timeline-heat.js';

export { TIMELINE_COLORS } from './timeline-frame.js';

/** Past this many ranges the timeline aggregates (bins per worker) instead of drawing each range. */
export const TIMELINE_RANGES_MAX = 3000;

const LANE_H = 30;
const CHART_H = 90;

/** @returns the `<svg>` element for an ES job report (one with ranges); `ranges` default to the report's items. */
export function timelineSvg(report: JobReport, ranges: readonly RangeTiming[] = report.ranges?.items ?? []): string {
  return [...timelineSvgChunks(report, ranges)].join('');
}

/**
 * The same `<svg>` element in pieces (one per range group), for writing a large job's
 * timeline without holding it whole in memory.
 */
export function* timelineSvgChunks(report: JobReport, ranges: readonly RangeTiming[] = report.ranges?.items ?? []): Generator<string> {
  if (ranges.length > TIMELINE_RANGES_MAX) {
    yield* heatTimelineSvgChunks(report, ranges);
    return;
  }
  const scale = scaleOf(report, ranges);
  const { lanes, laneOf } = assignLanes(ranges);
  const axisY = 8;
  const phasesY = axisY + 32;
  const lanesY = phasesY + 26;
  const chartY = lanesY + lanes.length * LANE_H + 16;
  const legendY = chartY + CHART_H + 34;
  yield svgOpen(report, legendY + 30, '.range rect{shape-rendering:crispEdges}.range.failed .payload,.range.fatal .payload{stroke:#8b0000;stroke-width:1.5}');
  yield axis(scale, axisY, 40 + 26 + lanes.length * LANE_H + 12);
  yield `\n${phases(report, scale, phasesY)}`;
  const laneY = new Map<string, number>();
  for (const [i, lane] of lanes.entries()) {
    const ly = lanesY + i * LANE_H;
    laneY.set(lane.id, ly);
    yield `\n<g class="lane" data-lane="${esc(lane.id)}"><rect x="${LEFT}" y="${ly}" width="${PLOT_W}" height="${LANE_H - 2}" fill="${i % 2 ? '#fafafa' : '#f3f3f3'}"/>`
      + `<text x="${LEFT - 8}" y="${ly + 13}" text-anchor="end" class="lbl">${esc(lane.label)}</text>`
      + `<text x="${LEFT - 8}" y="${ly + 25}" text-anchor="end" class="sub">${lane.ranges} range(s)${lane.failed ? `, ${lane.failed} failed` : ''}</text></g>`;
  }
  for (const r of ranges) yield `\n${rangeGroup(r, laneOf.get(r.id)!, laneY.get(laneOf.get(r.id)!)!, scale)}`;
  yield `\n${pauseBands(report.events ?? [], scale, lanesY, lanes.length * LANE_H)}`;
  yield `\n${concurrencyChart(ranges, scale, chartY)}`;
  yield `\n${legend(legendY, [
    ['payload: dispatched → output', TIMELINE_COLORS.payload], ['stage-out: output → stored', TIMELINE_COLORS.stageOut],
    ['report: stored → acknowledged', TIMELINE_COLORS.report], ['failed / fatal range', TIMELINE_COLORS.failed, TIMELINE_COLORS.failedEdge],
    ['fetched, never dispatched', TIMELINE_COLORS.pending], ...pauseLegend(report),
  ])}</svg>`;
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
    + `<rect x="${LEFT}" y="${y}" width="${PLOT_W}" height="${CHART_H}" fill="#fcfcfc" stroke="#ddd"/>`
    + `<path d="${path}L${s.x(s.t1).toFixed(1)},${py(0).toFixed(1)}Z" fill="${TIMELINE_COLORS.concurrency}" fill-opacity="0.35" stroke="${TIMELINE_COLORS.concurrency}"/>`
    + `<text x="${LEFT - 8}" y="${y + 14}" text-anchor="end" class="lbl">stage-out concurrency</text>`
    + `<text x="${LEFT - 8}" y="${y + 28}" text-anchor="end" class="sub">ranges between output and stored</text>`
    + `<text x="${LEFT - 8}" y="${y + CHART_H}" text-anchor="end" class="tick">0</text><text x="${LEFT - 8}" y="${y + 44}" text-anchor="end" class="tick">peak ${peak}</text></g>`;
}

