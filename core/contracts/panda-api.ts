import type { EventRange, EventRangeStatus } from './event-range.js';
import type { JobDefinition } from './job-definition.js';
import type { StoredOutput } from './run-job.js';
import { contractToken } from './token.js';

/** Parameters of getJob (reference/pilot-anchors.md §1.2). */
export interface GetJobRequest {
  readonly siteName: string;
  readonly computingElement?: string;
  readonly node?: string;
  readonly prodSourceLabel?: string;
  readonly cpu?: number;
  readonly mem?: number;
  readonly diskSpace?: number;
  readonly workingGroup?: string;
  readonly jobType?: string;
  readonly resourceType?: string;
}

/** A back-channel command from the server: `tobekilled`, `softkill`, `debug`, ... */
export type ServerCommand = string;

/** The job states the pilot reports (reference §1.4). */
export type ReportedJobState = 'starting' | 'running' | 'holding' | 'transferring' | 'finished' | 'failed';

export interface JobUpdate {
  readonly pandaId: string;
  readonly state: ReportedJobState;
  readonly pilotErrorCode?: number;
  readonly pilotErrorDiag?: string;
  readonly transExitCode?: number;
  readonly exeErrorCode?: number;
  readonly exeErrorDiag?: string;
  readonly cpuConsumptionTime?: number;
  readonly coreCount?: number;
  readonly nEvents?: number;
  readonly nInputFiles?: number;
  /** Unix milliseconds; sent as `%Y-%m-%d %H:%M:%S` UTC. */
  readonly startTime?: number;
  readonly endTime?: number;
  readonly node?: string;
  readonly workdir?: string;
  readonly siteName?: string;
  readonly schedulerId?: string;
  readonly pilotId?: string;
  readonly attemptNr?: number;
  /** pilot3's form: space-separated `key=value` (`coreCount=8 nEvents=100`). */
  readonly jobMetrics?: string;
  /** pilot3's memory monitor fields (maxRSS, …, rateWBYTES), sent under their own names. */
  readonly resources?: Readonly<Record<string, number>>;
  /** `debug` mode: the tail of the payload's log (pilot3 `stdout`). */
  readonly stdout?: string;
  /** The batch system's job id (SLURM_JOB_ID, PBS_JOBID, condor's …), sent as `batchID`. */
  readonly batchId?: string;
  /**
   * The files to list in `xml`: the client writes pilot3's JSON form or, for a `ps-2015`
   * server, PoolFileCatalog XML. Absent: no `xml` is sent.
   */
  readonly outputFiles?: readonly StoredOutput[];
  readonly metaData?: string;
}

export interface EventRangeUpdate {
  readonly eventRangeId: string;
  readonly eventStatus: EventRangeStatus;
  readonly errorCode?: number;
  readonly errorDiag?: string;
  /** Where the range's outputs are: the object store's endpoint id (CRIC ddmendpoint id). */
  readonly objstoreId?: string | number;
  /** How object names are built under that store (pilot3 sends 1000). */
  readonly pathConvention?: number;
  readonly cpuConsumptionTime?: number;
  readonly coreCount?: number;
  /** The zip the range's outputs were stored in (sent as updateEventRanges version 1). */
  readonly zipFile?: ZipFileUpdate;
}

/** A version-1 chunk's `zipFile`, as pilot3 builds it (genericexecutor.update_finished_event_ranges). */
export interface ZipFileUpdate {
  readonly lfn: string;
  readonly objstoreId: string | number;
  readonly fsize: number;
  /** Hex adler32 of the zip. */
  readonly adler32?: string;
  /** How many ranges the zip holds (pilot3's `numEvents`). */
  readonly numEvents: number;
  readonly pathConvention: number;
}

export interface EventRangeUpdateResult {
  /** One entry per update, in order: true applied, false rejected, null skipped (non-final). */
  readonly results: readonly (boolean | null)[];
  /** Commands for this job (`softkill`, `tobekilled`). */
  readonly commands: readonly ServerCommand[];
}

export interface KeyPair {
  readonly publicKey: string;
  readonly privateKey: string;
}

/**
 * The PanDA dispatcher as the pilot uses it. Every method has a deadline and bounded
 * retries inside (timeouts, resets, HTTP 5xx/408/429 and StatusCode 10 are retried).
 *
 * Errors:
 * - `PilotError` COMMUNICATIONFAILURE (1318, recoverable) when the server stays unreachable
 *   or keeps failing through the retry budget, or answers StatusCode 30 (Failed);
 * - a non-recoverable PilotError when the server refuses our credentials (StatusCode
 *   40/50/60/70/80/90, HTTP 401/403, TLS verification): MISSINGCREDENTIALS (1364), or
 *   GETKEYPAIR (1222) for getKeyPair;
 * - COMMUNICATIONFAILURE, not recoverable, for a reply that is not a PanDA reply (no
 *   StatusCode, an HTML page, invalid JSON);
 * - `ConfigError` CONVERSIONFAILURE (1302) / NOTSAMELENGTH (1312) naming the field, for a
 *   job definition or event ranges that do not parse.
 */
export interface PandaApi {
  /** @returns the job, or undefined when the server has none (StatusCode 20). */
  getJob(request: GetJobRequest): Promise<JobDefinition | undefined>;
  /** @returns the server's commands for the job (empty when `NULL`). */
  updateJob(update: JobUpdate): Promise<readonly ServerCommand[]>;
  /** @returns up to `nRanges` ranges; empty means the server has no more. */
  getEventRanges(request: { pandaId: string; jobsetId?: string; taskId?: string; nRanges: number }): Promise<readonly EventRange[]>;
  /** Bulk update (version 0). */
  updateEventRanges(updates: readonly EventRangeUpdate[], pandaId?: string): Promise<EventRangeUpdateResult>;
  /** Object-store key pair; the returned values are registered as secrets before return. */
  getKeyPair(publicKeyName: string, privateKeyName: string): Promise<KeyPair>;
}

export const PandaApi: unique symbol = contractToken('PandaApi') as never;
