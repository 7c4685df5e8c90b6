/**
 * The per-job binding: for every storage a job reads or writes, where it is, which movers
 * move the data, how often each is tried, and where checksums are kept. Computed once per
 * job (core/binding/bind-job.ts); RunJobs, recovery, `check`, `--dry-run` and the job report
 * all read it, so no mover decision is made anywhere else.
 */
import type { Logger } from '../logging/logger.js';
import type { ChecksumStore } from './checksum-store.js';
import type { Activity, SiteMover } from './site-mover.js';

/** A mover of a destination with the name reports show (`local`, `objectstore→s3-objectstore`). */
export interface MoverCandidate {
  readonly name: string;
  readonly mover: SiteMover;
}

export interface RetryPolicy {
  /** Attempts per mover (schedconfig stageinretry / stageoutretry). */
  readonly attempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/** One storage of one activity, resolved: objects are `url(name)`. */
export interface BoundDestination {
  readonly activity: Activity;
  /** Base URL; objects are `<base>/<name>`. */
  readonly base: string;
  /** The base URL's scheme without the colon (`file`, `s3`, `root`). */
  readonly scheme: string;
  /** Movers that handle the scheme, in configured order (never empty). */
  readonly candidates: readonly MoverCandidate[];
  /** Attempts per mover and the backoff between them. */
  readonly retry: RetryPolicy;
  /** Where checksums of objects under this base are kept; undefined when no loaded store handles the scheme. */
  readonly checksumStore?: ChecksumStore;
  /** The storage's endpoint id (CRIC ddmendpoint `id`), reported as a range's `objstoreID`; undefined when queuedata gives none. */
  readonly storageId?: number;
  /**
   * `<base>/<name>`, keeping the base's own slashes, proven to stay under the base (containedUrl).
   * @throws PilotError FILEHANDLINGFAILURE (1303) for a name that would not.
   */
  url(name: string): string;
  /** The endpoint is CRIC `is_deterministic`: a job's file is stored at Rucio's path of its scope and name. */
  readonly deterministic?: boolean;
  /**
   * Where a job's file (an output or log of a normal, merge or ES job) is stored: on a
   * deterministic endpoint `url(rucioPath(scope, lfn))` when the file has a scope, else `url(lfn)`.
   * @throws PilotError FILEHANDLINGFAILURE (1303) like `url`.
   */
  fileUrl(file: { readonly lfn: string; readonly scope?: string }): string;
}

/** Kept for the ES runner's options: the same object as a bound destination. */
export type EsDestination = BoundDestination;

export interface EsDestinations {
  readonly primary: BoundDestination;
  /** Used for a file only when `primary` failed for it. */
  readonly failover?: BoundDestination;
}

/** Where one input of the job is read from. */
export interface BoundInput {
  readonly lfn: string;
  /** Where it is read from; with `direct`, the TURL the payload opens itself. */
  readonly url: string;
  /** Read in place by the payload (direct access), not staged in. */
  readonly direct?: boolean;
  readonly destination: BoundDestination;
}

/** One transfer the job will make, as `--dry-run`, `check` and the job report print it. */
export interface PlannedTransfer {
  readonly direction: 'in' | 'out';
  readonly activity: Activity;
  /** `stage-in <lfn>`, `direct access <lfn>` (read in place by the payload; optional), `stage-out <lfn>`, `log <lfn>`, `log copy <lfn>`, `es outputs <lfn>`, `es failover <lfn>`. */
  readonly label: string;
  /** The object URL; ES outputs carry `<eventRangeID>` where each range's id goes. Empty when `error` is set. */
  readonly url: string;
  /** Mover display names in the order they are tried. */
  readonly movers: readonly string[];
  readonly attempts: number;
  /** Failures are not job failures (the log copy to the object store) or it is only a fallback (es_failover). */
  readonly optional?: boolean;
  /** Why this transfer cannot happen; the job fails with it when it gets there. */
  readonly error?: string;
}

/**
 * Every accessor throws the PilotError the job fails with when its storage cannot be used:
 * NOSTORAGE (1133) when queuedata gives no storage, NOSTORAGEPROTOCOL (1313)
 * when no configured mover handles its scheme, ESOBJECTSTORESETUP (1241) for ES outputs.
 */
export interface JobBinding {
  readonly pandaId: string;
  /** Where each input is read from, in job order. @throws PilotError */
  inputs(): readonly BoundInput[];
  /** Activity `pw`: the job's outputs. @throws PilotError */
  outputs(): BoundDestination;
  /** The log: activity `pl`, else `pw`. @throws PilotError */
  log(): BoundDestination;
  /** The log copy to the object store (`pls`) when the job sends one; never throws (the copy is best effort). */
  logCopy(): BoundDestination | undefined;
  /**
   * ES outputs (`es_events`) and the optional `es_failover`. Logs once, on `log`, that a
   * configured failover is unusable.
   * @throws PilotError ESOBJECTSTORESETUP (1241) when `es_events` has no usable storage;
   *   FILEHANDLINGFAILURE (1303) when an output LFN's object name would not stay under it.
   */
  es(log?: Logger): EsDestinations;
  /** Every transfer the job makes, in the order it makes them. */
  readonly transfers: readonly PlannedTransfer[];
  /** Problems that do not stop the job (an unusable es_failover, a fallback mover that does not handle the scheme). */
  readonly warnings: readonly string[];
}
