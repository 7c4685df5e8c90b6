/**
 * A job's report sources made up in memory, as large as wanted: `workers` payload workers
 * each taking ranges one after the other (a fixed payload time, then stage-out, reports in
 * batches), one range in `failEvery` failed by the payload, optional pauses. For the report
 * tests and the report-scale benchmark (bench/b8-report-scale.ts), which need jobs of up to
 * a million ranges without running one.
 */
import type { RangeTiming, ReportSources, TimelineEvent } from '../../core/index.js';
import type { JobStateRecord } from '../../core/index.js';
import { esJob } from './sample-jobs.js';

export const SYNTHETIC_T0 = 1_700_000_000_000;

export interface SyntheticOptions {
  readonly ranges: number;
  readonly workers?: number;
  /** Every n-th range fails (0: none). */
  readonly failEvery?: number;
  readonly payloadMs?: number;
  readonly stageOutMs?: number;
  /** Ranges acknowledged per range report. */
  readonly reportBatch?: number;
  readonly events?: readonly TimelineEvent[];
  readonly jobDir?: string;
}

export function syntheticReportSources(o: SyntheticOptions): ReportSources {
  const workers = o.workers ?? 8;
  const payloadMs = o.payloadMs ?? 40;
  const stageOutMs = o.stageOutMs ?? 15;
  const batch = o.reportBatch ?? 100;
  const jobDir = o.jobDir ?? '/synthetic/PandaJob_4242';
  const peers = Array.from({ length: workers }, (_, i) => `00${(0x6b8b4567 + i * 7919).toString(16)}`);
  const ranges: RangeTiming[] = new Array(o.ranges);
  const t = (ms: number) => SYNTHETIC_T0 + 1000 + ms;
  for (let i = 0; i < o.ranges; i++) {
    const w = i % workers;
    const sentAt = t(Math.floor(i / workers) * (payloadMs + 1) + w);
    const failed = o.failEvery ? i % o.failEvery === o.failEvery - 1 : false;
    const id = `9001-4242-1-${i + 1}-3`;
    const outputAt = sentAt + payloadMs;
    const storedAt = outputAt + stageOutMs;
    const reportedAt = t(Math.ceil((i + 1) / batch) * batch / workers * (payloadMs + 1)) + stageOutMs + 5;
    ranges[i] = failed
      ? { id, lfn: 'EVNT.pool.root.1', startEvent: i + 1, lastEvent: i + 1, events: 1, worker: peers[w]!, phase: 'reported', fetchedAt: sentAt - 5, sentAt,
        decidedAt: outputAt, reportedAt: Math.max(reportedAt, outputAt), status: 'failed', code: 1220, diag: 'payload failed the range', report: 'acked', objects: [] }
      : { id, lfn: 'EVNT.pool.root.1', startEvent: i + 1, lastEvent: i + 1, events: 1, worker: peers[w]!, phase: 'reported', fetchedAt: sentAt - 5, sentAt, outputAt,
        storedAt, decidedAt: storedAt, reportedAt: Math.max(reportedAt, storedAt), status: 'finished', report: 'acked', cpuSeconds: payloadMs / 1000,
        objects: [{ path: `${jobDir}/HITS.${id}`, objectName: `HITS.4242._${i + 1}`, url: `file:///os/HITS.4242._${i + 1}`, size: 1000, checksum: 'ad:0a0b0c0d', mover: 'objectstore' }] };
  }
  const end = ranges.reduce((m, r) => Math.max(m, r.reportedAt ?? 0), SYNTHETIC_T0) + 500;
  const state: JobStateRecord = {
    version: 1, pandaId: '4242', pilotPid: 1, phase: 'finished', runJob: 'event', plugins: { experiment: 'generic', runJob: 'event' },
    job: esJob(), finalUpdate: 'sent', startedAt: SYNTHETIC_T0, updatedAt: end,
    outcome: { state: 'finished', pilotErrorCode: 0, pilotErrorDiag: '', transExitCode: 0, nEvents: o.ranges, cpuConsumptionTime: 1, startTime: SYNTHETIC_T0, endTime: end },
  };
  return {
    jobDir, state, ledger: {}, stagedIn: [],
    journal: { path: `${jobDir}/es-journal.jsonl`, ranges, skippedLines: 0, closedAt: end, ...(o.events ? { events: o.events } : {}) },
  };
}
