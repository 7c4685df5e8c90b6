/**
 * The job report (`job-report.json` in every job directory): what the job was, which plugins
 * ran it, how every range and transfer went, and how it ended. Built only from files the job
 * leaves behind (state file, range journal, transfer records), so `espilot report` can
 * rebuild it at any time. Times are milliseconds since the epoch; durations are seconds.
 */
import type { PlannedTransfer } from '../contracts/job-binding.js';
import type { JobOutcome } from '../contracts/run-job.js';
import type { RangeTiming, TimelineEvent } from './journal-timeline.js';

export const JOB_REPORT_FILE = 'job-report.json';
export const TIMELINE_FILE = 'timeline.html';
/** Every range of the job, one JSON RangeTiming per line in fetch order, beside job-report.json. */
export const RANGES_DETAIL_FILE = 'job-ranges.ndjson';
export const JOB_REPORT_VERSION = 1;

/**
 * Up to this many ranges job-report.json also lists every range (`ranges.items`) and its
 * stored objects (`transfers`); a larger job's report is a summary of a few kB whatever its
 * size, and its ranges are read from RANGES_DETAIL_FILE.
 */
export const INLINE_RANGES_MAX = 1000;

export type JobKind = 'event service' | 'event service merge' | 'normal';

export interface TransferEntry {
  readonly direction: 'in' | 'out';
  /** Mover activity (`pr`, `pw`, `pl`, `es_events`, `es_events_read`, ...). */
  readonly activity: string;
  /** LFN or object name. */
  readonly name: string;
  readonly url: string;
  readonly size: number;
  /** `ad:<hex>` / `md5:<hex>` as verified by the mover. */
  readonly checksum: string;
  readonly mover: string;
  /** The range the object belongs to (ES outputs). */
  readonly rangeId?: string;
  /** When it was durably stored (ES outputs; other transfers are not timed). */
  readonly at?: number;
}

export interface ReportError {
  /** `job` for the job's own outcome, `range` for range outcomes (counted by code). */
  readonly scope: 'job' | 'range';
  readonly code: number;
  /** Symbolic name, e.g. `STAGEOUTFAILED`. */
  readonly name: string;
  readonly count: number;
  /** The first diagnostic seen for this code. */
  readonly diag: string;
}

export interface WorkerLane {
  /** Hex routing id, or `lane-<n>` when the journal did not record workers. */
  readonly id: string;
  readonly label: string;
  readonly ranges: number;
  readonly failed: number;
}

export interface ReportPhase {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly seconds: number;
}

export interface RangeSummary {
  readonly total: number;
  readonly finished: number;
  readonly failed: number;
  readonly fatal: number;
  readonly pending: number;
  /** Sent to the payload and stored, per second of the processing phase. */
  readonly rangesPerSecond: number;
  /** Most ranges between output and stored at one time (stage-out in progress or queued). */
  readonly maxStageOutConcurrency: number;
  /** How long ranges spent in each step, in seconds, over the ranges that made the step. */
  readonly latency: {
    /** Dispatched → output (the payload's time). */
    readonly payload: Percentiles;
    /** Output → stored. */
    readonly stageOut: Percentiles;
    /** Stored → acknowledged by the server. */
    readonly report: Percentiles;
  };
  /** Where each range's detail is. */
  readonly detail: RangeDetail;
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface RangeDetail {
  /** RANGES_DETAIL_FILE: every range, one per line, with its stored objects. */
  readonly file: string;
  readonly ranges: number;
  /** Whether `ranges.items` and the per-range `es_events` transfers are in job-report.json too (at most INLINE_RANGES_MAX ranges). */
  readonly inline: boolean;
}

export interface JobReport {
  readonly version: number;
  readonly generatedAt: string;
  readonly jobDir: string;
  readonly job: {
    readonly pandaId: string;
    readonly taskId?: string;
    readonly jobsetId?: string;
    readonly kind: JobKind;
    readonly attemptNr: number;
    readonly coreCount: number;
    readonly transformation: string;
    readonly inputs: readonly string[];
    readonly outputs: readonly string[];
    readonly log?: string;
  };
  /** Role → plugin names (see pluginsChosen). */
  readonly plugins: Readonly<Record<string, string>>;
  /** The transfers the job's binding planned when it started (what `--dry-run` prints); absent for jobs started before bindings were kept. */
  readonly plannedTransfers?: readonly PlannedTransfer[];
  /** The job's phase while it runs; its final state afterwards. */
  readonly state: string;
  /** The outcome the final updateJob carries (times are in startedAt/endedAt). */
  readonly outcome?: Omit<JobOutcome, 'startTime' | 'endTime'> & {
    readonly pilotErrorName?: string;
    /** Whether the server acknowledged the final updateJob (`pending`: kept for `espilot recover`). */
    readonly finalUpdate: string;
  };
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly wallSeconds?: number;
  readonly phases: readonly ReportPhase[];
  /** `items` only for a job of at most INLINE_RANGES_MAX ranges (see `detail`). */
  readonly ranges?: RangeSummary & { readonly items?: readonly RangeTiming[] };
  readonly workers?: readonly WorkerLane[];
  /** Spans the timeline marks (dispatch paused by backpressure, ...), when the journal recorded any. */
  readonly events?: readonly TimelineEvent[];
  /** Stage-in, the ledger's outputs, and each range's stored objects when `ranges.detail.inline`. */
  readonly transfers: readonly TransferEntry[];
  readonly totals: { readonly filesStored: number; readonly bytesStored: number; readonly filesRead: number; readonly bytesRead: number };
  readonly errors: readonly ReportError[];
}
