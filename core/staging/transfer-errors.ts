/**
 * The pilot's transfer failure codes in one table, so every mover reports the same failure
 * the same way (pilot3 copytool/common.py resolve_common_transfer_errors; reference §4.8, §5).
 */
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { ChecksumType } from './checksum.js';

export type TransferDirection = 'in' | 'out';

export type TransferFailure =
  | 'timeout'
  | 'adler32-mismatch'
  | 'md5-mismatch'
  | 'size-mismatch'
  | 'no-such-file'
  | 'authentication'
  | 'no-space'
  | 'checksum-unsupported'
  | 'file-exists'
  | 'failed';

interface FailureCodes {
  readonly in: number;
  readonly out: number;
  /** Whether the same transfer may succeed when tried again. */
  readonly recoverable: boolean;
}

const CODES: Readonly<Record<TransferFailure, FailureCodes>> = {
  timeout: { in: ErrorCodes.GETTIMEOUT, out: ErrorCodes.PUTTIMEOUT, recoverable: true },
  'adler32-mismatch': { in: ErrorCodes.GETADMISMATCH, out: ErrorCodes.PUTADMISMATCH, recoverable: false },
  'md5-mismatch': { in: ErrorCodes.GETMD5MISMATCH, out: ErrorCodes.PUTMD5MISMATCH, recoverable: false },
  'size-mismatch': { in: ErrorCodes.GETWRONGSIZE, out: ErrorCodes.PUTWRONGSIZE, recoverable: false },
  // Stage-out: the remote folder vanished or the path is wrong; the local source is checked before.
  'no-such-file': { in: ErrorCodes.NOSUCHFILE, out: ErrorCodes.STAGEOUTFAILED, recoverable: false },
  authentication: { in: ErrorCodes.STAGEINAUTHENTICATIONFAILURE, out: ErrorCodes.STAGEOUTAUTHENTICATIONFAILURE, recoverable: false },
  'no-space': { in: ErrorCodes.NOLOCALSPACE, out: ErrorCodes.NOREMOTESPACE, recoverable: false },
  'checksum-unsupported': { in: ErrorCodes.CHKSUMNOTSUP, out: ErrorCodes.CHKSUMNOTSUP, recoverable: false },
  'file-exists': { in: ErrorCodes.FILEEXIST, out: ErrorCodes.FILEEXIST, recoverable: false },
  failed: { in: ErrorCodes.STAGEINFAILED, out: ErrorCodes.STAGEOUTFAILED, recoverable: true },
};

/** The pilot code of a failure kind for a direction. */
export function transferErrorCode(kind: TransferFailure, direction: TransferDirection): number {
  return CODES[kind][direction];
}

/**
 * A PilotError for a transfer failure, with the pilot's code and default recoverability
 * (override `recoverable` where the cause is known to be transient, e.g. corruption in transit).
 */
export function transferError(
  kind: TransferFailure,
  direction: TransferDirection,
  message: string,
  options: { recoverable?: boolean; cause?: unknown } = {},
): PilotError {
  const c = CODES[kind];
  return new PilotError(c[direction], message, { recoverable: options.recoverable ?? c.recoverable, ...(options.cause === undefined ? {} : { cause: options.cause }) });
}

/**
 * A PilotError for a file-system error met while copying `what` (a disk-based mover, the
 * local side of any mover): a full disk or quota is `no-space`, a refused write is final,
 * anything else may pass when tried again. A PilotError passes through unchanged.
 */
export function fileSystemTransferError(err: unknown, direction: TransferDirection, what: string): PilotError {
  if (err instanceof PilotError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return transferError('no-space', direction, `no space left writing ${what}`, { cause: err });
  const step = direction === 'in' ? 'stage-in' : 'stage-out';
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
    return transferError('failed', direction, `${step} of ${what}: permission denied: ${e.message}`, { cause: err, recoverable: false });
  }
  return transferError('failed', direction, `${step} of ${what} failed: ${e.message}`, { cause: err });
}

/** The mismatch kind of a checksum type. */
export function mismatchKind(type: ChecksumType): TransferFailure {
  return type === 'md5' ? 'md5-mismatch' : 'adler32-mismatch';
}

/** Output patterns of xrdcp, xrdfs and gfal-* tools, first match wins (pilot3's order: timeouts first). */
const OUTPUT_PATTERNS: ReadonlyArray<readonly [RegExp, TransferFailure | 'checksum-mismatch']> = [
  [/timed? ?out|timeout|operation expired|\bETIMEDOUT\b/i, 'timeout'],
  [/no space left|quota exceeded|exceeded disk quota|insufficient (storage|space)|\bENOSPC\b/i, 'no-space'],
  [/could not establish context|permission (denied|refused)|not authori[sz]ed|unauthori[sz]ed|authentication fail|auth(entication)? error|operation not permitted|HTTP 403|\[3010\]/i, 'authentication'],
  [/query chksum is not supported|unable to checksum|checksum[^\n]*not (supported|implemented)|checksum calculation for [^\n]* not supported/i, 'checksum-unsupported'],
  [/checksum error|checksum mismatch|checksum[^\n]*do not match|does not match the checksum|failed xrdadler32/i, 'checksum-mismatch'],
  [/file exists|already exists|overwrite is not set/i, 'file-exists'],
  [/no such file|unable to locate|not found|\[3011\]/i, 'no-such-file'],
];

/**
 * Classifies the output of a failed transfer tool.
 * @param checksumType the type that was being verified, for a mismatch
 */
export function classifyToolOutput(output: string, checksumType: ChecksumType = 'adler32'): TransferFailure {
  for (const [pattern, kind] of OUTPUT_PATTERNS) {
    if (pattern.test(output)) return kind === 'checksum-mismatch' ? mismatchKind(/\bmd5\b/i.test(output) ? 'md5' : checksumType) : kind;
  }
  return 'failed';
}

/** The pilot3 rule for a transfer's time budget: 400 s + 1 s per MB, at most 3 h. */
export interface TransferTimeoutRule {
  readonly baseS: number;
  readonly perMBs: number;
  readonly maxS: number;
}

export const DEFAULT_TRANSFER_TIMEOUT: TransferTimeoutRule = Object.freeze({ baseS: 400, perMBs: 1, maxS: 3 * 3600 });

/** Milliseconds allowed for moving `sizeBytes` under `rule`. */
export function transferTimeoutMs(sizeBytes: number, rule: TransferTimeoutRule = DEFAULT_TRANSFER_TIMEOUT): number {
  return Math.round(Math.min(rule.baseS + (rule.perMBs * Math.max(0, sizeBytes)) / 1e6, rule.maxS) * 1000);
}

/** What a failed tool run looks like to `commandFailure` (a CommandResult). */
export interface FailedCommand {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly aborted: boolean;
}

/**
 * The PilotError for a transfer tool that failed: a deadline or abort is a timeout, anything
 * else is classified from its output. The message carries the tool's last lines of output.
 */
export function commandFailure(result: FailedCommand, direction: TransferDirection, what: string, checksumType: ChecksumType = 'adler32'): PilotError {
  const output = `${result.stderr}\n${result.stdout}`;
  const tail = output.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' | ');
  const status = result.exitCode !== null ? `exit ${result.exitCode}` : `signal ${result.signal}`;
  if (result.timedOut || result.aborted) {
    return transferError('timeout', direction, `${what}: ${result.timedOut ? 'deadline exceeded' : 'aborted'} (${status})${tail ? `: ${tail}` : ''}`);
  }
  return transferError(classifyToolOutput(output, checksumType), direction, `${what} failed (${status})${tail ? `: ${tail}` : ''}`);
}
