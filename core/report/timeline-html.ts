/**
 * `timeline.html`: one self-contained page per job (inline CSS and SVG, no scripts, nothing
 * fetched from the network) with the job's summary, its phases, the ES timeline, failures,
 * errors and transfers. Everything shown comes from the JobReport.
 */
import { errorCodeName } from '../errors/error-codes.js';
import { JOB_REPORT_FILE, RANGES_DETAIL_FILE, type JobReport, type Percentiles } from './job-report.js';
import type { RangeTiming } from './journal-timeline.js';
import { esc, formatBytes, formatSeconds } from './report-format.js';
import { HEAT_BINS } from './timeline-heat.js';
import { TIMELINE_RANGES_MAX, timelineSvgChunks } from './timeline-svg.js';
import { laneFinder } from './worker-lanes.js';

/** Rows of long tables shown on the page; job-report.json has all of them. */
const MAX_ROWS = 200;

const CSS = `body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1280px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.muted{color:#666}
table{border-collapse:collapse;margin:4px 0}td,th{padding:3px 10px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b00020;font-weight:600}.ok{color:#2e7d32;font-weight:600}
.grid{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}.grid div:nth-child(odd){color:#555}code{font-size:12px}`;

/**
 * The whole `timeline.html` page of a job report; every text from the report is escaped.
 * `ranges`: the job's ranges (a large job's report does not list them; see RangeDetail).
 */
export function renderTimelineHtml(report: JobReport, ranges: readonly RangeTiming[] = report.ranges?.items ?? []): string {
  return [...timelineHtmlChunks(report, ranges)].join('');
}

/** The same page in pieces, for writing a large job's page without holding it whole in memory. */
export function* timelineHtmlChunks(report: JobReport, ranges: readonly RangeTiming[] = report.ranges?.items ?? []): Generator<string> {
  const j = report.job;
  const state = report.outcome?.state ?? report.state;
  const ok = state === 'finished';
  yield `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>espilot job ${esc(j.pandaId)} (${esc(state)})</title><style>${CSS}</style></head>\n<body>\n`;
  yield [
    `<h1>Job ${esc(j.pandaId)} <span class="muted">· ${esc(j.kind)}</span> · <span class="${ok ? 'ok' : 'bad'}">${esc(state)}</span></h1>`,
    `<div class="muted">${esc(report.jobDir)}</div>`,
    '<h2>Summary</h2>', summary(report),
    '<h2>Phases</h2>', table(['phase', 'seconds'], report.phases.map((p) => [esc(p.name), num(formatSeconds(p.seconds))])),
    resources(report),
  ].join('\n');
  if (report.ranges) {
    yield ranges.length > TIMELINE_RANGES_MAX
      ? `\n<h2>Timeline: payload activity per worker</h2><p class="muted">${esc(`${ranges.length} ranges in ${HEAT_BINS} time columns; every range is in ${report.ranges.detail.file}`)}</p>`
      : '\n<h2>Timeline: one lane per payload worker</h2>';
    yield* timelineSvgChunks(report, ranges);
    yield `\n${latency(report)}`;
  } else {
    yield `\n<h2>Timeline</h2><p class="muted">No event ranges in this ${esc(j.kind)} job; its transfers are listed below.</p>`;
  }
  const rest = [
    failures(ranges, report),
    report.errors.length ? `<h2>Errors</h2>${table(['scope', 'code', 'count', 'first diagnostic'], report.errors.map((e) => [esc(e.scope), `<span class="bad">${esc(`${e.name} (${e.code})`)}</span>`, num(e.count), esc(e.diag)]))}` : '',
    planned(report),
    transfers(report),
    `<p class="muted">Generated ${esc(report.generatedAt)} by espilot from the job's state file, range journal and transfer records; rebuild with <code>espilot report ${esc(report.jobDir)}</code>.</p>`,
  ].filter(Boolean);
  yield `\n${rest.join('\n')}\n</body></html>\n`;
}

function summary(r: JobReport): string {
  const rows: Array<[string, string]> = [
    ['task / jobset', esc(`${r.job.taskId ?? '-'} / ${r.job.jobsetId ?? '-'}`)],
    ['attempt, cores', esc(`${r.job.attemptNr}, ${r.job.coreCount}`)],
    ['plugins', Object.entries(r.plugins).map(([k, v]) => `${esc(k)}: <code>${esc(v)}</code>`).join('<br>')],
  ];
  const o = r.outcome;
  if (o) {
    rows.push(['outcome', o.pilotErrorCode ? `<span class="bad">${esc(`${o.state}, ${o.pilotErrorName ?? errorCodeName(o.pilotErrorCode)} (${o.pilotErrorCode})`)}</span> ${esc(o.pilotErrorDiag)}` : `<span class="ok">${esc(o.state)}</span>`]);
    rows.push(['events', esc(`${o.nEvents} processed${o.nEventsFailed ? `, ${o.nEventsFailed} failed` : ''}; payload exit ${o.transExitCode}; CPU ${o.cpuConsumptionTime} s`)]);
    rows.push(['final update', esc(o.finalUpdate === 'sent' ? 'acknowledged by the server' : `${o.finalUpdate} (espilot recover sends it)`)]);
  }
  if (r.wallSeconds !== undefined) rows.push(['wall time', esc(formatSeconds(r.wallSeconds))]);
  if (r.ranges) {
    const x = r.ranges;
    rows.push(['ranges', esc(`${x.total}: ${x.finished} finished, ${x.failed} failed, ${x.fatal} fatal, ${x.pending} without outcome`)]);
    rows.push(['throughput', esc(`${x.rangesPerSecond} ranges/s; stage-out concurrency peak ${x.maxStageOutConcurrency}; ${r.workers?.length ?? 0} lane(s)`)]);
  }
  rows.push(['stored', esc(`${r.totals.filesStored} file(s), ${formatBytes(r.totals.bytesStored)}`)]);
  if (r.totals.filesRead) rows.push(['read', esc(`${r.totals.filesRead} file(s), ${formatBytes(r.totals.bytesRead)}`)]);
  return `<div class="grid">${rows.map(([k, v]) => `<div>${esc(k)}</div><div>${v}</div>`).join('')}</div>`;
}

/** How long ranges took in each step (percentiles over the ranges that made it). */
function latency(r: JobReport): string {
  const l = r.ranges?.latency;
  if (!l) return '';
  const row = (what: string, p: Percentiles) => [esc(what), num(p.count), ...[p.p50, p.p90, p.p99, p.max].map((v) => num(p.count ? formatSeconds(v) : '-'))];
  return `<h2>Range latency</h2>${table(['step', 'ranges', 'p50', 'p90', 'p99', 'max'], [
    row('payload: dispatched → output', l.payload), row('stage-out: output → stored', l.stageOut), row('report: stored → acknowledged', l.report),
  ])}`;
}

function failures(items: readonly RangeTiming[], r: JobReport): string {
  const bad = items.filter((x) => x.status === 'failed' || x.status === 'fatal');
  if (bad.length === 0) return '';
  const { lanes, laneOf } = laneFinder(items, r.workers);
  const label = new Map(lanes.map((l) => [l.id, l.label]));
  const rows = bad.slice(0, MAX_ROWS).map((x) => [
    `<code>${esc(x.id)}</code>`, esc(label.get(laneOf(x)) ?? '-'), `<span class="bad">${esc(x.status)}</span>`,
    esc(x.code !== undefined ? `${errorCodeName(x.code)} (${x.code})` : '-'), esc(x.diag ?? ''),
  ]);
  return `<h2>Failed ranges (${bad.length})</h2>${table(['range', 'worker', 'status', 'code', 'diagnostic'], rows)}${more(bad.length, RANGES_DETAIL_FILE)}`;
}

function transfers(r: JobReport): string {
  if (r.transfers.length === 0) return '<h2>Transfers</h2><p class="muted">none recorded</p>';
  const rows = r.transfers.slice(0, MAX_ROWS).map((t) => [
    esc(t.direction === 'in' ? 'stage-in' : 'stage-out'), esc(t.activity), `<code>${esc(t.name)}</code>`, num(formatBytes(t.size)), `<code>${esc(t.checksum)}</code>`, esc(t.mover),
  ]);
  const outside = r.ranges && !r.ranges.detail.inline
    ? `<p class="muted">${esc(`The ranges' stored objects (${r.totals.filesStored - r.transfers.filter((t) => t.direction === 'out').length}) are listed with their ranges in ${r.ranges.detail.file}.`)}</p>` : '';
  return `<h2>Transfers (${r.transfers.length})</h2>${table(['direction', 'activity', 'file', 'size', 'checksum', 'mover'], rows)}${more(r.transfers.length, JOB_REPORT_FILE)}${outside}`;
}

function planned(r: JobReport): string {
  if (!r.plannedTransfers?.length) return '';
  const rows = r.plannedTransfers.map((t) => [
    esc(t.label), esc(t.activity), t.error ? `<span class="bad">${esc(t.error)}</span>` : `<code>${esc(t.url)}</code>`, esc(t.movers.join(' → ')), num(t.attempts),
  ]);
  return `<h2>Planned transfers</h2>${table(['transfer', 'activity', 'url', 'movers', 'attempts'], rows)}`;
}

/** The resource monitor's summary (memory_monitor_output.txt holds the series). */
function resources(r: JobReport): string {
  const f = r.outcome?.resources?.fields;
  if (!f) return '';
  const row = (what: string, unit: string, max: string, avg: string) => [esc(what), num(f[max]), num(f[avg]), esc(unit)];
  return `<h2>Resources of the payload's process tree</h2>${table(['', 'max / total', 'average / rate', 'unit'], [
    row('PSS', 'kB', 'maxPSS', 'avgPSS'), row('RSS', 'kB', 'maxRSS', 'avgRSS'), row('VMEM', 'kB', 'maxVMEM', 'avgVMEM'), row('swap', 'kB', 'maxSWAP', 'avgSWAP'),
    row('read (rchar)', 'bytes, bytes/s', 'totRCHAR', 'rateRCHAR'), row('written (wchar)', 'bytes, bytes/s', 'totWCHAR', 'rateWCHAR'),
  ])}<p class="muted">CPU ${esc(formatSeconds(r.outcome!.cpuConsumptionTime))} s${r.outcome!.resources!.jobMetrics ? ` · ${esc(r.outcome!.resources!.jobMetrics)}` : ''} · every sample in <code>memory_monitor_output.txt</code></p>`;
}

function more(n: number, where: string): string {
  return n > MAX_ROWS ? `<p class="muted">… and ${n - MAX_ROWS} more in ${esc(where)}</p>` : '';
}

function num(v: unknown): string {
  return `<span data-num>${esc(v)}</span>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (c: string) => (c.startsWith('<span data-num>') ? `<td class="num">${c}</td>` : `<td>${c}</td>`);
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}
