/**
 * An input a previous attempt of the job already staged into the job directory is used again
 * only when it is proven to be the job's file: its size and checksum are read back and compared
 * with what the job (or the storage's checksum record) says the file is. Anything less, and it
 * is fetched again.
 */
import { stat } from 'node:fs/promises';
import type { TransferRequest } from '../contracts/site-mover.js';
import { checksumFile, checksumsEqual, pickChecksum, type Checksum } from './checksum.js';

export interface KeptInput {
  readonly size: number;
  readonly checksum: Checksum;
}

/** @returns the verified local copy at `req.localPath`, or undefined (absent, different, or nothing to verify against). */
export async function keptInput(req: Pick<TransferRequest, 'localPath' | 'size' | 'checksum'>): Promise<KeptInput | undefined> {
  if (!req.checksum || req.size === undefined) return undefined;
  let sums;
  try {
    const st = await stat(req.localPath);
    if (!st.isFile() || st.size !== req.size) return undefined;
    sums = await checksumFile(req.localPath, [req.checksum.type]);
  } catch {
    return undefined;
  }
  const got = pickChecksum(sums, req.checksum.type);
  if (sums.size !== req.size || !got || !checksumsEqual(got, req.checksum)) return undefined;
  return { size: sums.size, checksum: sums.adler32 };
}
