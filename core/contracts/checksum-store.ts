import type { Checksum } from './checksum.js';
import { contractToken } from './token.js';

export interface RecordedChecksums {
  readonly size?: number;
  readonly checksums: readonly Checksum[];
}

/**
 * Where the checksums of stored objects are kept: S3 user metadata, the xrootd server's
 * own checksum, a local catalog beside `file://` stores. The job binding gives each
 * destination the store of its scheme (the first loaded store declaring it); the core
 * records every object it stores there, and a stage-in without an expected checksum (a
 * merge job's inputs) expects what the store recorded. Implementations declare their URL
 * schemes, and must not depend on a particular mover: they reach the storage through their
 * own means or a run-scoped service shared with a mover (`PluginResolver.shared`).
 */
export interface ChecksumStore {
  /**
   * Records the checksums (and size) of an object that was just stored and verified, before
   * the core reports it stored. Idempotent, and cheap when the storage already holds these
   * values (the mover wrote them with the object): then nothing is written twice.
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
