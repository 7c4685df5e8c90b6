import type { JobBinding } from './job-binding.js';
import type { Logger } from '../logging/logger.js';
import type { JobDefinition } from './job-definition.js';
import type { ServerCommand } from './panda-api.js';
import { contractToken } from './token.js';

export type FinalJobState = 'finished' | 'failed' | 'holding';

/**
 * One file the job durably stored, as the final updateJob's `xml` lists it for the server's
 * Adder (pilot3 `generate_fileinfo`): a normal job lists every output and its log, an Event
 * Service job its log only (its range outputs are reported with the ranges).
 */
export interface StoredOutput {
  readonly lfn: string;
  readonly kind: 'output' | 'log';
  /** The file's GUID (the job's `logGUID` for the log; from the job or generated for outputs). */
  readonly guid: string;
  /** Bytes stored. */
  readonly size: number;
  /** The stored checksum, `ad:<8 hex>` (or `md5:<32 hex>`). */
  readonly checksum: string;
  /** Where it was stored: the URL written (pilot3 sends the TURL as `surl`). */
  readonly surl: string;
  /** The output dataset (`realDatasets` / `destinationDblock`). */
  readonly dataset?: string;
  /** The DDM endpoint it went to (the job's `ddmEndPointOut`, else the storage's name). */
  readonly ddmEndpoint?: string;
}

/** What a RunJob hands back for the final updateJob. */
export interface JobOutcome {
  readonly state: FinalJobState;
  /** 0 on success, else a pilot error code. */
  readonly pilotErrorCode: number;
  readonly pilotErrorDiag: string;
  readonly transExitCode: number;
  readonly exeErrorCode?: number;
  readonly exeErrorDiag?: string;
  readonly nEvents: number;
  readonly nEventsFailed?: number;
  /** Seconds of CPU used by the payload. */
  readonly cpuConsumptionTime: number;
  readonly startTime: number;
  readonly endTime: number;
  /**
   * What was durably stored, for the final updateJob's `xml`; absent or empty when nothing
   * was (then the server's Adder fails a finished job that should have outputs).
   */
  readonly outputs?: readonly StoredOutput[];
  /** The payload's job report (`jobReport.json`) as text, sent as `metaData` (pilot3). */
  readonly metaData?: string;
  /** Set by the core from its resource monitor (a RunJob leaves it out). */
  readonly resources?: ResourceUsage;
}

/** The payload tree's resource use as the final updateJob reports it (pilot3's names). */
export interface ResourceUsage {
  /** maxRSS, maxPSS, avgRSS, …, totRCHAR, …, rateRCHAR, … (kB, bytes, bytes/s). */
  readonly fields: Readonly<Record<string, number>>;
  /** `key=value` entries for jobMetrics (`actualCoreCount`, `leak`). */
  readonly jobMetrics?: string;
}

/**
 * The core's resource, memory-limit and looping monitors, handed to a RunJob so that they
 * watch what it launched.
 */
export interface PayloadWatch {
  /**
   * The payload's process groups (their leaders' pids): the whole tree (the groups and their
   * descendants) is sampled, and killed through the job's control (`kill`, with the code)
   * when it exceeds its memory limit or loops. Later calls add groups. `lastOutputAt` (ES
   * RunJobs): when the payload last reported an output, ms since epoch; none for the looping
   * limit counts as looping too.
   */
  watch(pgids: readonly number[], activity?: { lastOutputAt(): number }): void;
}

/**
 * Requests from outside the RunJob while it runs: the server's `softkill` / `tobekilled`
 * commands and the pilot's signals. Signals are one-way; the `reason` of an aborted signal is
 * a PilotError carrying the code to report (e.g. 1201 for SIGTERM, 1208 SIGINT, 1144
 * PANDAKILL): read it with `abortCode` / `abortError`.
 */
export interface JobControl {
  /** Stop dispatching new work, drain what is in flight, then finish normally. */
  readonly softkill: AbortSignal;
  /** Kill the payload now and finish with the reason's error code. */
  readonly kill: AbortSignal;
  /**
   * Acts on commands the server sent with a reply the RunJob received itself (updateEventRanges)
   * exactly as on updateJob's: `tobekilled` aborts `kill`, `softkill` aborts `softkill`, others
   * are logged. Never throws.
   */
  applyServerCommands(commands: readonly ServerCommand[], log: Logger): void;
}

export interface RunJobContext {
  readonly job: JobDefinition;
  /** The job's own work directory (exists, empty at first start). */
  readonly workdir: string;
  readonly control: JobControl;
  /**
   * Where every transfer of the job goes, through which movers, with which checksum store:
   * computed once when the job starts (and again, from the persisted job, by recovery). A
   * RunJob takes its destinations from here and never chooses movers itself.
   */
  readonly binding: JobBinding;
  /** Give it the payload's process groups as soon as they exist (absent: nothing is watched). */
  readonly payloadWatch?: PayloadWatch;
  /** Non-final state changes for the Monitor's heartbeats. */
  onProgress?(progress: { readonly nEvents: number; readonly cpuConsumptionTime?: number }): void;
}

/**
 * Runs one job from stage-in to its final state. A RunJob never throws for a job failure:
 * it returns an outcome with the error code. It throws only for programming errors.
 */
export interface RunJob {
  run(ctx: RunJobContext): Promise<JobOutcome>;

  /**
   * Finishes a job whose pilot died, from what `run` left in `ctx.workdir` (records, journals,
   * produced outputs): stores what was produced but not stored, reports what was not
   * acknowledged, each exactly once, and returns the outcome for the final updateJob. Never
   * re-runs the payload. Optional: without it, a dead job is reported failed.
   */
  recover?(ctx: RunJobContext): Promise<JobOutcome>;
}

export const RunJob: unique symbol = contractToken('RunJob') as never;
