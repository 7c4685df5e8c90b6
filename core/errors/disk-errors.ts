/**
 * A full local disk is a job failure with the pilot's code, never a crash: every write the
 * pilot makes on its own disk turns ENOSPC (no space left) and EDQUOT (quota exceeded) into
 * NOLOCALSPACE (1098, pilot3 errorcodes.py "Not enough local space"), naming what was being
 * written. Writes to a storage element keep their own code (NOREMOTESPACE, transfer-errors.ts).
 */
import { ErrorCodes } from './error-codes.js';
import { PilotError } from './pilot-error.js';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/** `ENOSPC` or `EDQUOT` when `err` or one of its causes is that file-system error. */
export function diskFullCode(err: unknown): 'ENOSPC' | 'EDQUOT' | undefined {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && DISK_FULL.has(code)) return code as 'ENOSPC' | 'EDQUOT';
  }
  return undefined;
}

const CONDITION = { ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded' } as const;

/** NOLOCALSPACE for a full disk while writing `what`; undefined for any other error. */
export function noLocalSpaceError(err: unknown, what: string): PilotError | undefined {
  const code = diskFullCode(err);
  if (!code) return undefined;
  return new PilotError(ErrorCodes.NOLOCALSPACE, `${CONDITION[code]} (${code}) writing ${what}`, { recoverable: true, cause: err });
}

/**
 * The PilotError for a failed local write of `what`: NOLOCALSPACE when the disk is full,
 * FILEHANDLINGFAILURE (1303) otherwise. A PilotError passes through unchanged.
 */
export function localWriteError(err: unknown, what: string): PilotError {
  if (err instanceof PilotError) return err;
  return noLocalSpaceError(err, what) ?? new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `cannot write ${what}: ${(err as Error)?.message ?? String(err)}`, { recoverable: false, cause: err });
}

/**
 * A raw ENOSPC/EDQUOT error thrown somewhere in a job becomes NOLOCALSPACE; anything else
 * (a PilotError included) is returned as it is, for the caller's own classification.
 */
export function withDiskCode(err: unknown, what: string): unknown {
  if (err instanceof PilotError) return err;
  return noLocalSpaceError(err, what) ?? err;
}
