import type { Checksum } from './checksum.js';
import { contractToken } from './token.js';

/** Transfer activities of CRIC's acopytools/astorages (pilot3 names). */
export type Activity = 'pr' | 'pw' | 'pl' | 'pls' | 'es_events' | 'es_events_read' | 'es_failover' | 'default';
export const ACTIVITIES: readonly Activity[] = ['pr', 'pw', 'pl', 'pls', 'es_events', 'es_events_read', 'es_failover', 'default'];

export interface TransferRequest {
  /** Local file: the source of a stage-out, the destination of a stage-in. */
  readonly localPath: string;
  /** Remote object URL (`file://`, `s3://`, `root://`, `davs://` ...). */
  readonly url: string;
  /** Expected size in bytes (stage-in: the catalog's; stage-out: the local file's, if known). */
  readonly size?: number;
  /** Expected checksum; a stage-out computes it when absent. */
  readonly checksum?: Checksum;
  /** Stage-out: replace an existing object (default true, like `gfal-copy -f`). */
  readonly overwrite?: boolean;
  /**
   * Stage-in: the caller makes the local file durable itself, together with the job's other
   * inputs (core/staging/job-transfers.ts), so the mover need not fsync each copy.
   */
  readonly deferSync?: boolean;
  /** Overall deadline; the mover picks a size-based default when absent. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface TransferResult {
  readonly url: string;
  readonly size: number;
  /** The verified checksum (adler32 unless only md5 could be verified). */
  readonly checksum: Checksum;
  readonly durationMs: number;
}

export interface RemoteObject {
  readonly url: string;
  readonly size: number;
  /** Checksums the storage holds or can compute for the object; may be empty. */
  readonly checksums: readonly Checksum[];
}

/**
 * Moves files between the worker node and one kind of storage, and verifies every copy.
 * Implementations declare their URL schemes in their plugin descriptor.
 *
 * Every method throws `PilotError` with the pilot's codes; `recoverable` says whether the
 * same call may succeed later (timeouts, connection resets, 5xx) or not (authentication,
 * missing source, checksum mismatch).
 */
export interface SiteMover {
  /**
   * Copies `url` to `localPath`, verifying size and checksum against the request or,
   * failing that, against what the storage recorded. Never leaves a partial local file.
   * @throws PilotError NOSUCHFILE (1103) / MISSINGINPUTFILE (1331) when the object is absent,
   *   GETADMISMATCH (1171) / GETMD5MISMATCH (1145) / GETWRONGSIZE (1175) on a bad copy,
   *   GETTIMEOUT (1151), STAGEINAUTHENTICATIONFAILURE (1338), STAGEINFAILED (1099) otherwise.
   */
  stageIn(request: TransferRequest): Promise<TransferResult>;

  /**
   * Copies `localPath` to `url`, then verifies the stored size and checksum, and keeps the
   * checksum where its storage keeps it (S3 metadata sent with the PUT, the catalog entry
   * beside a `file://` object), so that its own `stageIn` can verify a later copy. Never leaves
   * a partial object under the final name. The core then calls the destination's
   * `ChecksumStore.record` before it counts the object stored (core/staging/bound-transfers.ts):
   * that confirms what the mover kept without writing it again, and writes the record only
   * for a mover that keeps none.
   * @throws PilotError MISSINGLOCALFILE (1164) when the source is absent, FILEEXIST (1221) when
   *   the object exists and `overwrite` is false, PUTADMISMATCH (1172) / PUTMD5MISMATCH (1141) /
   *   PUTWRONGSIZE (1139) on a bad copy, PUTTIMEOUT (1152), STAGEOUTAUTHENTICATIONFAILURE (1383),
   *   NOREMOTESPACE (1333), STAGEOUTFAILED (1137) otherwise.
   */
  stageOut(request: TransferRequest): Promise<TransferResult>;

  /**
   * @returns size and known checksums, or undefined when there is no such object.
   * @throws PilotError when the storage cannot be asked (unreachable, authentication).
   */
  stat(url: string, signal?: AbortSignal): Promise<RemoteObject | undefined>;

  /**
   * Removes the object; removing an absent object succeeds.
   * @throws PilotError when the storage cannot be asked or refuses.
   */
  delete(url: string, signal?: AbortSignal): Promise<void>;
}

export const SiteMover: unique symbol = contractToken('SiteMover') as never;
