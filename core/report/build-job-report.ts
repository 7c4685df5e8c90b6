/**
 * Builds a JobReport from what a job left in its directory. Pure: the sources are read by
 * readReportSources, so the same files always give the same report (but `generatedAt`).
 */
import { errorCodeName } from '../errors/error-codes.js';
import type { JobStateRecord } from '../state/job-state.js';
import type { StagedInFile, StoredFile } from '../staging/job-transfers.js';
import type { JournalTimeline, RangeTiming } from './journal-timeline.js';
import { JOB_REPORT_VERSION, type JobKind, type ReportPhase, type JobReport, type RangeSummary, type ReportError, type TransferEntry } from './job-report.js';
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

/** The report of one job; `now` stamps `generatedAt`. Never throws for incomplete records (a running or dead job). */
export function buildJobReport(src: ReportSources, now = Date.now()): JobReport {
  const { state } = src;
  const job = state.job;
  const o = state.outcome;
  const endedAt = o ? o.endTime : undefined;
  const ranges = src.journal?.ranges ?? [];
  const transfers = transfersOf(src);
  const out = transfers.filter((t) => t.direction === 'out');
  const inn = transfers.filter((t) => t.direction === 'in');
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
    ...(src.journal ? { ranges: { ...rangeSummary(ranges), items: ranges }, workers: assignLanes(ranges).lanes } : {}),
    transfers,
    totals: { filesStored: out.length, bytesStored: sum(out), filesRead: inn.length, bytesRead: sum(inn) },
    errors: errorsOf(state, ranges),
  };
}

/** How reports name a job's kind. */
export function kindOf(job: { eventService: boolean; eventServiceMerge: boolean }): JobKind {
  return job.eventService ? 'event service' : job.eventServiceMerge ? 'event service merge' : 'normal';
}

function transfersOf(src: ReportSources): TransferEntry[] {
  const out: TransferEntry[] = src.stagedIn.map((f) => ({ direction: 'in', activity: f.activity, name: f.lfn, url: f.url, size: f.size, checksum: f.checksum, mover: f.mover }));
  for (const r of src.journal?.ranges ?? []) {
    for (const obj of r.objects) {
      out.push({ direction: 'out', activity: 'es_events', name: obj.objectName, url: obj.url, size: obj.size, checksum: obj.checksum, mover: obj.mover, rangeId: r.id, ...(r.storedAt !== undefined ? { at: r.storedAt } : {}) });
    }
  }
  for (const [key, f] of Object.entries(src.ledger)) {
    out.push({ direction: 'out', activity: key.slice(0, key.indexOf(':')), name: f.lfn, url: f.url, size: f.size, checksum: f.checksum, mover: f.mover });
  }
  return out;
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

function rangeSummary(ranges: readonly RangeTiming[]): RangeSummary {
  const count = (s: RangeTiming['status']) => ranges.filter((r) => r.status === s).length;
  const finished = count('finished');
  const sent = ranges.map((r) => r.sentAt).filter(isNum);
  const done = ranges.map((r) => r.storedAt ?? r.decidedAt).filter(isNum);
  const span = sent.length && done.length ? (maxOf(done, 0) - minOf(sent, 0)) / 1000 : 0;
  return {
    total: ranges.length, finished, failed: count('failed'), fatal: count('fatal'), pending: count('pending'),
    rangesPerSecond: span > 0 ? Math.round((finished / span) * 100) / 100 : 0,
    maxStageOutConcurrency: maxOverlap(ranges.filter((r) => r.outputAt !== undefined).map((r) => [r.outputAt!, r.storedAt ?? r.decidedAt ?? r.outputAt!])),
  };
}

/** The most intervals [a, b) open at one time. */
export function maxOverlap(intervals: ReadonlyArray<readonly [number, number]>): number {
  const edges = intervals.flatMap(([a, b]) => [[a, 1], [Math.max(a, b), -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (open += d));
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

function sum(list: readonly TransferEntry[]): number {
  return list.reduce((n, t) => n + t.size, 0);
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
