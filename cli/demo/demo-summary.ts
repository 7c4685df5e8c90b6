/**
 * The demo's result: what ran, what was stored, how fast, how long each phase took, and
 * where the verified merged output and the reports are. Saved as `demo-summary.json` and
 * printed for people.
 */
import { formatBytes, formatSeconds, type JobRunResult } from '../../core/index.js';
import type { DispatcherSnapshot } from '../../plugins/panda-local/index.js';
import type { DemoVerification } from './demo-verify.js';

export interface DemoPhase {
  readonly name: string;
  readonly seconds: number;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly reason?: string;
  readonly workdir: string;
  readonly task: { readonly taskId: number; readonly files: number; readonly eventsPerFile: number; readonly workers: number; readonly errorRate: number; readonly maxAttempts: number };
  readonly ranges: { readonly total: number; readonly done: number; readonly failedAttempts: number; readonly esJobs: number };
  readonly stored: { readonly files: number; readonly bytes: number; readonly esObjects: number; readonly esBytes: number };
  /** Ranges done per second of ES job wall time. */
  readonly rangesPerSecond: number;
  readonly phases: readonly DemoPhase[];
  readonly totalSeconds: number;
  readonly jobs: readonly { readonly pandaId: string; readonly label: string; readonly runJob: string; readonly state: string; readonly pilotErrorCode: number; readonly seconds: number; readonly report?: string }[];
  readonly merged?: DemoVerification;
  readonly logFile: string;
}

export interface DemoFacts {
  readonly workdir: string;
  readonly task: DemoSummary['task'];
  readonly jobs: readonly JobRunResult[];
  readonly snapshot: DispatcherSnapshot;
  readonly verification: DemoVerification;
  readonly phases: readonly DemoPhase[];
  readonly totalSeconds: number;
  readonly logFile: string;
}

/** The summary from what the run produced: the job results and reports, the dispatcher's records, the verification. */
export function demoSummary(f: DemoFacts): DemoSummary {
  const reports = f.jobs.map((j) => j.report?.report).filter((r) => r !== undefined);
  const es = f.jobs.filter((j) => j.runJob === 'event');
  const esSeconds = es.reduce((s, j) => s + (j.outcome.endTime - j.outcome.startTime) / 1000, 0);
  const c = f.snapshot.task.counts;
  const esOut = reports.flatMap((r) => r.transfers.filter((t) => t.direction === 'out' && t.activity === 'es_events'));
  return {
    ok: f.verification.ok,
    ...(f.verification.reason ? { reason: f.verification.reason } : {}),
    workdir: f.workdir,
    task: f.task,
    ranges: {
      total: f.snapshot.ranges.length, done: c.done,
      failedAttempts: f.snapshot.rangeUpdates.filter((u) => u.outcome === 'applied' && (u.eventStatus === 'failed' || u.eventStatus === 'fatal')).length,
      esJobs: es.length,
    },
    stored: {
      files: reports.reduce((n, r) => n + r.totals.filesStored, 0), bytes: reports.reduce((n, r) => n + r.totals.bytesStored, 0),
      esObjects: esOut.length, esBytes: esOut.reduce((n, t) => n + t.size, 0),
    },
    rangesPerSecond: esSeconds > 0 ? Math.round((c.done / esSeconds) * 10) / 10 : 0,
    phases: f.phases,
    totalSeconds: f.totalSeconds,
    jobs: f.jobs.map((j) => ({
      pandaId: j.pandaId, label: jobLabel(j), runJob: j.runJob, state: j.outcome.state, pilotErrorCode: j.outcome.pilotErrorCode,
      seconds: (j.outcome.endTime - j.outcome.startTime) / 1000, ...(j.report ? { report: j.report.htmlPath } : {}),
    })),
    merged: f.verification,
    logFile: f.logFile,
  };
}

/** `ES job`, `merge job` or `job`, from the job's report (else its RunJob). */
export function jobLabel(j: JobRunResult): string {
  const kind = j.report?.report.job.kind;
  if (kind === 'event service' || (!kind && j.runJob === 'event')) return 'ES job';
  return kind === 'event service merge' ? 'merge job' : 'job';
}

/** The summary as the demo prints it. */
export function formatDemoSummary(s: DemoSummary): string {
  const rows: Array<[string, string]> = [
    ['work directory', s.workdir],
    ['task', `${s.task.taskId}: ${s.task.files} files × ${s.task.eventsPerFile} events, ${s.task.workers} simulator worker(s), error rate ${s.task.errorRate}, ${s.task.maxAttempts} attempt(s) per range`],
    ['ranges', `${s.ranges.done}/${s.ranges.total} finished, ${s.ranges.failedAttempts} failed attempt(s)${s.ranges.failedAttempts && s.ranges.esJobs > 1 ? ' (retried by the dispatcher in new ES jobs)' : ''}, ${s.ranges.esJobs} ES job(s)`],
    ['stored', `${s.stored.files} file(s), ${formatBytes(s.stored.bytes)} (ES outputs: ${s.stored.esObjects}, ${formatBytes(s.stored.esBytes)})`],
    ['throughput', `${s.rangesPerSecond} ranges/s of ES job time`],
    ['time', `${s.phases.map((p) => `${p.name} ${formatSeconds(p.seconds)}`).join(' | ')} | total ${formatSeconds(s.totalSeconds)}`],
  ];
  const m = s.merged;
  if (m?.url) rows.push(['merged output', `${m.url}`]);
  if (m?.checksum) rows.push(['', `${m.size} bytes, adler32 ${m.checksum.replace(/^ad:/, '')}, ${m.ranges ?? '?'} ranges`]);
  s.jobs.forEach((j, i) => rows.push([i === 0 ? 'reports' : '', `${j.label} ${j.pandaId} ${j.state}${j.pilotErrorCode ? ` (${j.pilotErrorCode})` : ''}: ${j.report ?? 'not written'}`]));
  rows.push(['log', s.logFile]);
  const w = Math.max(...rows.map(([k]) => k.length));
  const hint = s.reason?.includes('ran out of attempts') ? ' (more attempts: --max-attempts)' : '';
  const head = s.ok ? 'espilot demo: merged output verified ✔' : `espilot demo: FAILED ✘ ${s.reason ?? ''}${hint}`;
  return `${head}\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}
