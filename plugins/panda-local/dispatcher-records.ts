/**
 * What the embedded dispatcher records, and the JSON it dumps for inspection. Tests and the
 * fault checker assert against these shapes, so they are the dispatcher's public API:
 * fields are only ever added.
 *
 * Vocabulary follows the PanDA server (reference/pilot-anchors.md §1.4, §2.2):
 * - a range's `attemptNr` counts DOWN from the task's maxAttempts, as JEDI's does; it is part
 *   of the event range ID `<taskID>-<PandaID>-<fileID>-<processID>-<attemptNr>`;
 * - `key` (`<fileID>-<processID>`) names a range across attempts, while its ID changes with
 *   every consumer and attempt.
 */

/** JEDI_Events statuses the dispatcher uses; `fatal` reports are stored as `failed`. */
export type RangeStatus = 'ready' | 'sent' | 'running' | 'finished' | 'done' | 'failed';

/** The final report that was applied to a range in its current attempt. */
export interface AppliedReport {
  readonly eventRangeId: string;
  readonly status: 'finished' | 'failed' | 'fatal';
  readonly time: string;
  readonly errorCode?: number | string;
  readonly objstoreId?: number | string;
  readonly pathConvention?: number | string;
}

/**
 * A file the server registered: a job's output or log from the `xml` of its final updateJob
 * (the Adder, adder.ts), a zip of range outputs from a version-1/2 updateEventRanges, or
 * one range's output from its `finished` report (the server's JEDI_Events row, with the
 * object store it went to). Merge inputs and the demo's check come from these.
 */
export interface RegisteredFile {
  readonly lfn: string;
  readonly type: 'output' | 'log' | 'zipoutput' | 'es-output';
  readonly pandaId: string;
  readonly guid?: string;
  readonly fsize?: number;
  /** `ad:<hex>` / `md5:<hex>`. */
  readonly checksum?: string;
  readonly surl?: string;
  readonly dataset?: string;
  readonly endpoint?: readonly string[];
  readonly objstoreId?: number | string;
  readonly pathConvention?: number | string;
  /** es-output: the range and the ID it finished under. */
  readonly rangeKey?: string;
  readonly eventRangeId?: string;
  readonly time: string;
}

export interface RangeRecord {
  /** `<fileId>-<processId>`: the range across attempts. */
  readonly key: string;
  readonly fileId: number;
  /** 1-based index of the range inside its input file (JEDI's job_processID). */
  readonly processId: number;
  readonly lfn: string;
  readonly guid: string;
  readonly scope: string;
  /** Positional and inclusive: the range holds lastEvent − startEvent + 1 events. */
  readonly startEvent: number;
  readonly lastEvent: number;
  status: RangeStatus;
  /** Attempts left (counts down); 1 after a `fatal` report, so the release ends it. */
  attemptNr: number;
  /** The consumer that holds the range (sent/running/finished/failed) or last held it. */
  pandaId?: string;
  /** The ID the range was last handed out with. */
  eventRangeId?: string;
  /** The final report applied in the current attempt; reset when the range goes back to ready. */
  report?: AppliedReport;
  /** Every report ever applied to this range (one per attempt at most). */
  reports: AppliedReport[];
  /** How many times getEventRanges handed the range out. */
  dispatchCount: number;
  /** True once attempts ran out: failed for good. */
  exhausted: boolean;
}

export type JobKind = 'es' | 'merge' | 'normal';

/** Job states in which range updates are accepted and ranges handed out (panda-server ok_job_status). */
export const RANGE_UPDATE_STATES: ReadonlySet<string> = new Set(['sent', 'running', 'starting', 'transferring']);

/** Record timestamps: ISO 8601 UTC. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Active states as the pilot reports them, then how the job ended. ES jobs end `closed`. */
export type JobStatus =
  | 'activated' | 'sent' | 'starting' | 'running' | 'holding' | 'transferring'
  | 'finished' | 'failed' | 'closed' | 'cancelled';

export interface JobRecord {
  readonly pandaId: string;
  readonly jobsetId: string;
  readonly kind: JobKind;
  /** The job's attempt (1 for the first consumer, +1 for each retry). */
  readonly attemptNr: number;
  /** Number in output names (`{serial}`): the input file's position for normal jobs, else 1. */
  readonly serial: number;
  status: JobStatus;
  readonly createdAt: string;
  dispatchedAt?: string;
  endedAt?: string;
  /** The final state the pilot reported (`finished` / `failed`). */
  reportedState?: string;
  pilotErrorCode?: number;
  pilotErrorDiag?: string;
  nEvents?: number;
  /**
   * How the server closed the job (panda-server taskBufferErrorCode): 111 ranges retried by a
   * new consumer, 112 all ranges done and merge job made, 114 attempts exhausted, 115 other
   * consumers still busy, 116 unused consumer killed.
   */
  closeCode?: number;
  closeReason?: string;
  /** Set when the Adder failed the job (200 EC_Adder) and why. */
  ddmErrorCode?: number;
  ddmErrorDiag?: string;
  /** A back-channel command returned with every update until the job ends (`softkill`, `tobekilled`). */
  command?: string;
  /** The job definition exactly as getJob hands it out. */
  readonly definition: Readonly<Record<string, string>>;
}

/** One entry of an updateEventRanges / updateEventRange call, as received and judged. */
export interface RangeUpdateEntry {
  readonly seq: number;
  readonly time: string;
  readonly command: 'updateEventRanges' | 'updateEventRange';
  /** The `pandaID` parameter of the call, if sent. */
  readonly requestPandaId?: string;
  readonly eventRangeId?: string;
  readonly eventStatus?: string;
  readonly errorCode?: number | string;
  readonly objstoreId?: number | string;
  readonly pathConvention?: number | string;
  /** What the server answered for this entry: true, false, or null (skipped). */
  readonly result: boolean | null;
  /**
   * `applied` changed the range; `noop` was accepted but changed nothing (a second final
   * report, a stale ID); `ignored` a non-final status; `rejected` answered false.
   */
  readonly outcome: 'applied' | 'noop' | 'ignored' | 'rejected';
  readonly reason?: string;
  readonly rangeKey?: string;
}

/** One getEventRanges call that handed ranges out (or none). */
export interface DispatchEntry {
  readonly seq: number;
  readonly time: string;
  readonly pandaId: string;
  readonly requested: number;
  readonly eventRangeIds: readonly string[];
}

export interface JobUpdateEntry {
  readonly seq: number;
  readonly time: string;
  readonly pandaId: string;
  readonly state: string;
  readonly pilotErrorCode?: number;
  /** Who sent it (pilot3 sends both with every update). */
  readonly pilotID?: string;
  readonly batchID?: string;
  readonly statusCode: number;
  readonly outcome: 'applied' | 'noop' | 'rejected';
  readonly command?: string;
  readonly reason?: string;
}

/** `running` while ranges (or normal jobs) remain, `merging` once the merge job exists. */
export type TaskStatus = 'running' | 'merging' | 'done' | 'failed';

/** The whole state as `snapshot()` and `GET /espilot/state` return it (a deep copy). */
export interface DispatcherSnapshot {
  readonly version: 1;
  readonly time: string;
  readonly task: {
    readonly taskId: number;
    readonly eventService: boolean;
    readonly status: TaskStatus;
    readonly jobsetId: string;
    readonly outputLfn: string;
    readonly reason?: string;
    /** Ranges per status (`exhausted` counts failed ranges with no attempt left). */
    readonly counts: Readonly<Record<RangeStatus | 'exhausted', number>>;
  };
  readonly jobs: readonly JobRecord[];
  readonly ranges: readonly RangeRecord[];
  readonly dispatches: readonly DispatchEntry[];
  readonly rangeUpdates: readonly RangeUpdateEntry[];
  readonly jobUpdates: readonly JobUpdateEntry[];
  /** Every file the server registered, in order. */
  readonly files: readonly RegisteredFile[];
}

/** A job as progress displays show it. */
export type JobProgress = Pick<JobRecord, 'pandaId' | 'kind' | 'attemptNr' | 'status' | 'closeReason' | 'pilotErrorDiag'>;

/**
 * What `counts()` returns: the task's range counts and its jobs' states, kept up to date on
 * every transition, so reading them costs the same at ten ranges as at a million (unlike
 * `snapshot()`, which copies everything).
 */
export interface DispatcherCounts {
  readonly task: {
    readonly status: TaskStatus;
    /** Ranges per status (`exhausted` counts failed ranges with no attempt left). */
    readonly counts: Readonly<Record<RangeStatus | 'exhausted', number>>;
  };
  readonly ranges: number;
  /** Final `failed`/`fatal` range reports applied so far. */
  readonly failedAttempts: number;
  /** In creation order. */
  readonly jobs: readonly JobProgress[];
}
