/**
 * Builds a JobReport from what a job left in its directory. Pure: the sources are read by
 * readReportSources, so the same files always give the same report (but `generatedAt`).
 */
import { errorCodeName } from '../errors/error-codes.js';
import type { JobStateRecord } from '../state/job-state.js';
import type { StagedInFile, StoredFile } from '../staging/job-transfers.js';
import type { JournalTimeline, RangeTiming } from './journal-timeline.js';
import {
  INLINE_RANGES_MAX, JOB_REPORT_VERSION, RANGES_DETAIL_FILE, type JobKind, type JobReport, type Percentiles, type RangeSummary, type ReportError,
  type ReportPhase, type TransferEntry,
} from './job-report.js';
import { assignLanes } from './worker-lanes.js';

/** Everything a report is made from. */
export interface ReportSources {
  readonly jobDir: string;
  readonly state: JobStateRecord;
  readonly journal?: JournalTimeline;
  /** The stage-out ledger, keyed `<activity>:<lfn>`. */
  readonly ledger: Readonly<Record<string, StoredFile>>;
  readonly stagedIn: readonly StagedInFile[];
}

/**
 * The report of one job; `now` stamps `generatedAt`. Never throws for incomplete records (a
 * running or dead job). Its size does not grow with the ranges past INLINE_RANGES_MAX: the
 * ranges themselves go to RANGES_DETAIL_FILE (see writeReportFiles).
 */
export function buildJobReport(src: ReportSources, now = Date.now()): JobReport {
  const { state } = src;
  const job = state.job;
  const o = state.outcome;
  const endedAt = o ? o.endTime : undefined;
  const ranges = src.journal?.ranges ?? [];
  const inline = ranges.length <= INLINE_RANGES_MAX;
  const transfers = transfersOf(src, inline);
  const events = src.journal?.events ?? [];
  return {
    version: JOB_REPORT_VERSION,
    generatedAt: new Date(now).toISOString(),
    jobDir: src.jobDir,
    job: {
      pandaId: job.pandaId,
      ...(job.taskId ? { taskId: job.taskId } : {}),
      ...(job.jobsetId ? { jobsetId: job.jobsetId } : {}),
      kind: kindOf(job),
      attemptNr: job.attemptNr,
      coreCount: job.coreCount,
      transformation: job.transformation,
      inputs: job.inputFiles.map((f) => f.lfn),
      outputs: job.outputFiles.map((f) => f.lfn),
      ...(job.logFile ? { log: job.logFile.lfn } : {}),
    },
    plugins: state.plugins ?? { runJob: state.runJob },
    ...(state.binding ? { plannedTransfers: state.binding.transfers } : {}),
    state: o?.state ?? state.phase,
    ...(o ? {
      outcome: {
        state: o.state, pilotErrorCode: o.pilotErrorCode, ...(o.pilotErrorCode ? { pilotErrorName: errorCodeName(o.pilotErrorCode) } : {}),
        pilotErrorDiag: o.pilotErrorDiag, transExitCode: o.transExitCode,
        ...(o.exeErrorCode !== undefined ? { exeErrorCode: o.exeErrorCode } : {}), ...(o.exeErrorDiag ? { exeErrorDiag: o.exeErrorDiag } : {}),
        nEvents: o.nEvents, ...(o.nEventsFailed !== undefined ? { nEventsFailed: o.nEventsFailed } : {}),
        cpuConsumptionTime: o.cpuConsumptionTime, finalUpdate: state.finalUpdate, ...(o.resources ? { resources: o.resources } : {}),
      },
    } : {}),
    startedAt: state.startedAt,
    ...(endedAt !== undefined ? { endedAt, wallSeconds: seconds(endedAt - state.startedAt) } : {}),
    phases: src.journal ? esPhases(state.startedAt, endedAt ?? state.updatedAt, ranges) : [phase('job', state.startedAt, endedAt ?? state.updatedAt)],
    ...(src.journal ? { ranges: { ...rangeSummary(ranges, inline), ...(inline ? { items: ranges } : {}) }, workers: assignLanes(ranges).lanes } : {}),
    ...(events.length ? { events } : {}),
    transfers,
    totals: totalsOf(src),
    errors: errorsOf(state, ranges),
  };
}

/** How reports name a job's kind. */
export function kindOf(job: { eventService: boolean; eventServiceMerge: boolean }): JobKind {
  return job.eventService ? 'event service' : job.eventServiceMerge ? 'event service merge' : 'normal';
}

/** Stage-in, the ranges' stored objects (when `withRanges`) and the ledger's outputs. */
function transfersOf(src: ReportSources, withRanges: boolean): TransferEntry[] {
  const out: TransferEntry[] = src.stagedIn.map((f) => ({ direction: 'in', activity: f.activity, name: f.lfn, url: f.url, size: f.size, checksum: f.checksum, mover: f.mover }));
  for (const r of withRanges ? src.journal?.ranges ?? [] : []) {
    for (const obj of r.objects) {
      out.push({ direction: 'out', activity: 'es_events', name: obj.objectName, url: obj.url, size: obj.size, checksum: obj.checksum, mover: obj.mover, rangeId: r.id, ...(r.storedAt !== undefined ? { at: r.storedAt } : {}) });
    }
  }
  for (const [key, f] of Object.entries(src.ledger)) {
    out.push({ direction: 'out', activity: key.slice(0, key.indexOf(':')), name: f.lfn, url: f.url, size: f.size, checksum: f.checksum, mover: f.mover });
  }
  return out;
}

/** Counted over every transfer, listed in the report or not. */
function totalsOf(src: ReportSources): JobReport['totals'] {
  let filesStored = 0;
  let bytesStored = 0;
  for (const r of src.journal?.ranges ?? []) {
    for (const obj of r.objects) {
      filesStored++;
      bytesStored += obj.size;
    }
  }
  for (const f of Object.values(src.ledger)) {
    filesStored++;
    bytesStored += f.size;
  }
  return { filesStored, bytesStored, filesRead: src.stagedIn.length, bytesRead: src.stagedIn.reduce((n, f) => n + f.size, 0) };
}

/** setup → processing (first range dispatched … last range back) → stage-out drain → reporting → wrap-up. */
function esPhases(start: number, end: number, ranges: readonly RangeTiming[]): ReportPhase[] {
  const sent = ranges.map((r) => r.sentAt).filter(isNum);
  if (sent.length === 0) return [phase('job', start, end)];
  const firstSent = minOf(sent, start);
  const back = maxOf(ranges.map((r) => r.outputAt ?? (r.sentAt !== undefined ? r.decidedAt : undefined)).filter(isNum), firstSent);
  const stored = maxOf(ranges.map((r) => r.storedAt ?? r.decidedAt).filter(isNum), back);
  const reported = maxOf(ranges.map((r) => r.reportedAt).filter(isNum), stored);
  const marks: Array<[string, number, number]> = [
    ['setup', start, firstSent], ['processing', firstSent, back], ['stage-out drain', back, stored],
    ['reporting', stored, reported], ['wrap-up', reported, Math.max(reported, end)],
  ];
  return marks.map(([n, a, b]) => phase(n, a, b));
}

function rangeSummary(ranges: readonly RangeTiming[], inline: boolean): RangeSummary {
  const by = { finished: 0, failed: 0, fatal: 0, pending: 0 };
  for (const r of ranges) by[r.status]++;
  const sent = ranges.map((r) => r.sentAt).filter(isNum);
  const done = ranges.map((r) => r.storedAt ?? r.decidedAt).filter(isNum);
  const span = sent.length && done.length ? (maxOf(done, 0) - minOf(sent, 0)) / 1000 : 0;
  const stageOut = ranges.filter((r) => r.outputAt !== undefined);
  return {
    total: ranges.length, ...by,
    rangesPerSecond: span > 0 ? Math.round((by.finished / span) * 100) / 100 : 0,
    maxStageOutConcurrency: maxOpen(Float64Array.from(stageOut, (r) => r.outputAt!), Float64Array.from(stageOut, stageOutEnd)),
    latency: {
      payload: percentiles(ranges, (r) => (r.sentAt !== undefined && r.outputAt !== undefined ? r.outputAt - r.sentAt : undefined)),
      stageOut: percentiles(ranges, (r) => (r.outputAt !== undefined && r.storedAt !== undefined ? r.storedAt - r.outputAt : undefined)),
      report: percentiles(ranges, (r) => (r.storedAt !== undefined && r.reportedAt !== undefined ? r.reportedAt - r.storedAt : undefined)),
    },
    detail: { file: RANGES_DETAIL_FILE, ranges: ranges.length, inline },
  };
}

/** When a range that has output left stage-out (stored, or decided without being stored). */
export function stageOutEnd(r: RangeTiming): number {
  return Math.max(r.outputAt!, r.storedAt ?? r.decidedAt ?? r.outputAt!);
}

/** p50/p90/p99/max in seconds of the durations (ms) `of` gives; ranges without one are left out. */
export function percentiles(ranges: readonly RangeTiming[], of: (r: RangeTiming) => number | undefined): Percentiles {
  const v = new Float64Array(ranges.length);
  let n = 0;
  for (const r of ranges) {
    const d = of(r);
    if (d !== undefined) v[n++] = Math.max(0, d);
  }
  const s = v.subarray(0, n).sort();
  const at = (q: number) => (n ? seconds(s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!) : 0);
  return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: n ? seconds(s[n - 1]!) : 0 };
}

/** The most intervals [a, b) open at one time (touching intervals do not overlap). */
export function maxOverlap(intervals: ReadonlyArray<readonly [number, number]>): number {
  return maxOpen(Float64Array.from(intervals, ([a]) => a), Float64Array.from(intervals, ([a, b]) => Math.max(a, b)));
}

/**
 * The most intervals open at one time, given their starts and ends (each end ≥ its start;
 * sorted here in place). Two typed arrays rather than edge pairs: a million ranges make two
 * million edges.
 */
export function maxOpen(starts: Float64Array, ends: Float64Array): number {
  starts.sort();
  ends.sort();
  let open = 0;
  let max = 0;
  for (let i = 0, j = 0; i < starts.length;) {
    if (ends[j]! <= starts[i]!) {
      open--;
      j++;
    } else {
      open++;
      i++;
      if (open > max) max = open;
    }
  }
  return max;
}

function errorsOf(state: JobStateRecord, ranges: readonly RangeTiming[]): ReportError[] {
  const out: ReportError[] = [];
  const o = state.outcome;
  if (o && o.pilotErrorCode) out.push({ scope: 'job', code: o.pilotErrorCode, name: errorCodeName(o.pilotErrorCode), count: 1, diag: o.pilotErrorDiag });
  const byCode = new Map<number, { count: number; diag: string }>();
  for (const r of ranges) {
    if (r.status !== 'failed' && r.status !== 'fatal') continue;
    const code = r.code ?? 0;
    const e = byCode.get(code) ?? { count: 0, diag: r.diag ?? '' };
    e.count++;
    byCode.set(code, e);
  }
  for (const [code, e] of [...byCode].sort((a, b) => a[0] - b[0])) out.push({ scope: 'range', code, name: errorCodeName(code), count: e.count, diag: e.diag });
  return out;
}

function phase(name: string, start: number, end: number): ReportPhase {
  return { name, start, end: Math.max(start, end), seconds: seconds(Math.max(0, end - start)) };
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** The largest of `floor` and the list (no argument spreading: lists may be long). */
export function maxOf(list: readonly number[], floor: number): number {
  let v = floor;
  for (const x of list) if (x > v) v = x;
  return v;
}

/** The smallest of the list, or `empty` when it has none. */
export function minOf(list: readonly number[], empty: number): number {
  if (list.length === 0) return empty;
  let v = list[0]!;
  for (const x of list) if (x < v) v = x;
  return v;
}

function isNum(v: number | undefined): v is number {
  return typeof v === 'number';
}
