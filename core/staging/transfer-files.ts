/**
 * Local-file steps every mover takes: the source must exist and match what the caller
 * expects before anything is sent; downloads land under a hidden partial name first.
 */
import { rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { TransferRequest, TransferResult } from '../contracts/site-mover.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import { checksumFile, checksumsEqual, type Checksum } from './checksum.js';
import { mismatchKind, transferError } from './transfer-errors.js';

/**
 * Size of a stage-out source.
 * @throws PilotError MISSINGLOCALFILE (1164) when it is absent or not a regular file.
 */
export async function localFileSize(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (st.isFile()) return st.size;
  } catch {
    // reported below
  }
  throw new PilotError(ErrorCodes.MISSINGLOCALFILE, `local file ${path} does not exist`, { recoverable: false });
}

/** A hidden sibling name for a file being written, unique per process and call. */
export function partialPath(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.espilot-part-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/**
 * Checks a stage-out source against the request's expected size and checksum.
 * @throws PilotError PUTWRONGSIZE (1139) / PUTADMISMATCH (1172) / PUTMD5MISMATCH (1141), not recoverable.
 */
export function checkLocalSource(req: TransferRequest, local: { size: number; adler32: Checksum; md5?: Checksum }): void {
  if (req.size !== undefined && req.size !== local.size) {
    throw transferError('size-mismatch', 'out', `${req.localPath} has ${local.size} bytes, expected ${req.size}`);
  }
  const mine = req.checksum?.type === 'md5' ? local.md5 : local.adler32;
  if (req.checksum && mine && !checksumsEqual(req.checksum, mine)) {
    throw transferError(mismatchKind(req.checksum.type), 'out', `${req.localPath} has ${mine.type} ${mine.value}, expected ${req.checksum.value}`);
  }
}

/**
 * Completes a download that a tool wrote to `partial` (a `partialPath`): checksums it, checks
 * its size against `expectedSize`, and renames it to `req.localPath`.
 * @throws PilotError GETWRONGSIZE (1175) on a size mismatch (the caller removes `partial`).
 */
export async function finishDownload(partial: string, req: TransferRequest, expectedSize: number | undefined, startedMs: number): Promise<TransferResult> {
  const got = await checksumFile(partial);
  if (expectedSize !== undefined && got.size !== expectedSize) {
    throw transferError('size-mismatch', 'in', `${req.url} gave ${got.size} bytes, expected ${expectedSize}`);
  }
  await rename(partial, req.localPath);
  return { url: req.url, size: got.size, checksum: got.adler32, durationMs: Date.now() - startedMs };
}
