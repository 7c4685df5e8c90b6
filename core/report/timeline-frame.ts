/**
 * What both forms of the ES timeline share (one group per range for small jobs, heat strips
 * for large ones): the palette, the time scale, the axis, the job's phases, pause bands and
 * the legend.
 */
import type { JobReport } from './job-report.js';
import type { RangeTiming, TimelineEvent } from './journal-timeline.js';
import { esc, formatSeconds, niceStep } from './report-format.js';
import { maxOf } from './build-job-report.js';

/** The timeline's palette (Tableau 10 hues); failed ranges use `failed` with a `failedEdge` outline. */
export const TIMELINE_COLORS = {
  payload: '#4e79a7', stageOut: '#f28e2b', report: '#59a14f', failed: '#e15759', failedEdge: '#8b0000',
  pending: '#bab0ac', phase: ['#d4e4f4', '#b9d3ee', '#fde2c4', '#d8ecd2', '#eeeeee'], concurrency: '#f28e2b', pause: '#9c755f',
} as const;

export const W = 1200;
export const LEFT = 200;
export const RIGHT = 24;
/** Width of the plotting area. */
export const PLOT_W = W - LEFT - RIGHT;

export interface Scale {
  readonly t0: number;
  readonly t1: number;
  x(t: number): number;
}

/** From the job's start to the last thing that happened. */
export function scaleOf(report: JobReport, ranges: readonly RangeTiming[]): Scale {
  const t0 = report.startedAt;
  let last = maxOf(report.phases.map((p) => p.end), report.endedAt ?? 0);
  for (const r of ranges) last = Math.max(last, lastTime(r));
  for (const e of report.events ?? []) last = Math.max(last, e.endMs);
  const t1 = Math.max(last, t0 + 1);
  return { t0, t1, x: (t) => LEFT + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * PLOT_W };
}

function lastTime(r: RangeTiming): number {
  return Math.max(r.fetchedAt, r.sentAt ?? 0, r.outputAt ?? 0, r.storedAt ?? 0, r.decidedAt ?? 0, r.reportedAt ?? 0);
}

export function svgOpen(report: JobReport, height: number, extraCss = ''): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="100%" role="img" aria-label="timeline of job ${esc(report.job.pandaId)}">`
    + `<style>text{font:12px system-ui,sans-serif;fill:#222}.sub{font-size:10px;fill:#666}.tick{font-size:10px;fill:#555}${extraCss}</style>`;
}

export function axis(s: Scale, y: number, height: number): string {
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

export function phases(report: JobReport, s: Scale, y: number): string {
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

/**
 * A translucent band over the lanes for each pause (backpressure: dispatch stopped until
 * stage-out caught up). Pauses closer than a pixel are drawn as one band, so a job that
 * paused a thousand times still draws at most a band per pixel column.
 */
export function pauseBands(events: readonly TimelineEvent[], s: Scale, y: number, height: number): string {
  if (events.length === 0) return '';
  const sorted = [...events].sort((a, b) => a.startMs - b.startMs);
  const bands: Array<{ x0: number; x1: number; kinds: Set<string>; n: number; ms: number }> = [];
  for (const e of sorted) {
    const x0 = s.x(e.startMs);
    const x1 = Math.max(x0 + 1, s.x(Math.max(e.startMs, e.endMs)));
    const last = bands.at(-1);
    if (last && x0 <= last.x1 + 1) {
      last.x1 = Math.max(last.x1, x1);
      last.kinds.add(e.kind);
      last.n++;
      last.ms += Math.max(0, e.endMs - e.startMs);
    } else bands.push({ x0, x1, kinds: new Set([e.kind]), n: 1, ms: Math.max(0, e.endMs - e.startMs) });
  }
  const rects = bands.map((b) => {
    const kinds = [...b.kinds].join(', ');
    const title = `paused (${kinds}): ${b.n} pause(s), ${formatSeconds(b.ms / 1000)}${b.kinds.has('backpressure') ? ' — outputs awaiting stage-out reached their bound' : ''}`;
    return `<rect class="pause" data-kind="${esc(kinds)}" x="${b.x0.toFixed(1)}" y="${y}" width="${(b.x1 - b.x0).toFixed(1)}" height="${height}" fill="${TIMELINE_COLORS.pause}" fill-opacity="0.18" stroke="${TIMELINE_COLORS.pause}" stroke-opacity="0.5"><title>${esc(title)}</title></rect>`;
  });
  return `<g class="pauses" data-count="${events.length}">${rects.join('')}</g>`;
}

/** A row of coloured keys; `edge` outlines a key. */
export function legend(y: number, items: ReadonlyArray<readonly [label: string, fill: string, edge?: string]>): string {
  let x = LEFT;
  const out = items.map(([label, fill, edge]) => {
    const g = `<rect x="${x}" y="${y}" width="14" height="12" fill="${fill}"${edge ? ` stroke="${edge}" stroke-width="1.5"` : ''}/><text x="${x + 20}" y="${y + 11}">${esc(label)}</text>`;
    x += 34 + label.length * 6.6;
    return g;
  });
  return `<g class="legend">${out.join('')}</g>`;
}

/** The pause key, when the job paused. */
export function pauseLegend(report: JobReport): ReadonlyArray<readonly [string, string]> {
  return report.events?.length ? [['paused (backpressure)', TIMELINE_COLORS.pause]] : [];
}
