import type { Checksum } from '../staging/checksum.js';
import { contractToken } from './token.js';

export interface RecordedChecksums {
  readonly size?: number;
  readonly checksums: readonly Checksum[];
}

/**
 * Where the checksums of stored objects are kept: S3 user metadata, the xrootd server's
 * own checksum, a local catalog beside `file://` stores. A merge job's stage-in verifies
 * every input against it. Implementations declare their URL schemes.
 */
export interface ChecksumStore {
  /**
   * Records the checksums (and size) of an object that was just stored.
   * @throws PilotError when the store cannot be written (the caller must not report the
   *   object as stored).
   */
  record(url: string, size: number, checksums: readonly Checksum[]): Promise<void>;

  /**
   * @returns what was recorded or can be computed by the storage, or undefined if nothing is known.
   * @throws PilotError when the store cannot be asked.
   */
  lookup(url: string): Promise<RecordedChecksums | undefined>;

  /**
   * Drops what was recorded for an object that was deleted. Optional: stores whose checksums
   * live with the object (S3 metadata, xrootd) have nothing to drop.
   * @throws PilotError when the store cannot be written.
   */
  forget?(url: string): Promise<void>;
}

export const ChecksumStore: unique symbol = contractToken('ChecksumStore') as never;
