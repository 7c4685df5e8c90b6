/**
 * SDK and network failures mapped to the pilot's transfer codes.
 */
import { PilotError, transferError, type TransferDirection, type TransferFailure } from '../../core/index.js';

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

const AUTH_NAMES = new Set(['SignatureDoesNotMatch', 'InvalidAccessKeyId', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'AuthorizationHeaderMalformed']);
const MISSING_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const SPACE_NAMES = new Set(['QuotaExceeded', 'InsufficientStorage', 'EntityTooLarge', 'XMinioStorageFull']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED']);
/** The store found the body differs from its signed SHA-256 or its Content-MD5 (PUTMD5MISMATCH). */
const DIGEST_NAMES = new Set(['BadDigest', 'XAmzContentSHA256Mismatch', 'InvalidDigest']);

/** The HTTP status of an SDK error, if the server answered. */
export function statusOf(err: unknown): number | undefined {
  return (err as SdkError)?.$metadata?.httpStatusCode;
}

/** True when the error says the object (or its bucket) does not exist. */
export function isMissing(err: unknown): boolean {
  return MISSING_NAMES.has((err as SdkError)?.name ?? '') || statusOf(err) === 404;
}

export function isNoSuchBucket(err: unknown): boolean {
  return (err as SdkError)?.name === 'NoSuchBucket';
}

/** The failure kind of an SDK error (`deadlineHit`: our own overall deadline fired). */
export function s3FailureKind(err: unknown, deadlineHit: boolean): TransferFailure {
  const e = err as SdkError;
  const status = statusOf(err);
  if (deadlineHit || TIMEOUT_NAMES.has(e?.name ?? '') || TIMEOUT_CODES.has(e?.code ?? '')) return 'timeout';
  if (AUTH_NAMES.has(e?.name ?? '') || status === 403 || status === 401) return 'authentication';
  if (MISSING_NAMES.has(e?.name ?? '') || status === 404) return 'no-such-file';
  if (SPACE_NAMES.has(e?.name ?? '') || status === 507 || status === 413) return 'no-space';
  if (DIGEST_NAMES.has(e?.name ?? '')) return 'md5-mismatch';
  return 'failed';
}

/**
 * Wraps anything an S3 operation threw into a PilotError with the pilot's code.
 * Network faults and 5xx stay recoverable; other 4xx answers are not.
 */
export function s3Error(err: unknown, direction: TransferDirection, what: string, deadlineHit = false): PilotError {
  if (err instanceof PilotError) return err;
  const e = err as SdkError;
  const kind = s3FailureKind(err, deadlineHit);
  const status = statusOf(err);
  const attempts = e?.$metadata?.attempts;
  const detail = [e?.name && e.name !== 'Error' ? e.name : e?.code, status ? `HTTP ${status}` : undefined, attempts && attempts > 1 ? `after ${attempts} attempts` : undefined]
    .filter(Boolean).join(', ');
  const message = `${what}: ${deadlineHit ? 'deadline exceeded' : (e?.message ?? String(err))}${detail ? ` (${detail})` : ''}`;
  // A body the store rejected as damaged was damaged in transit: worth another try.
  const recoverable = kind === 'md5-mismatch' ? true : kind === 'failed' ? status === undefined || status >= 500 || status === 429 : undefined;
  return transferError(kind, direction, message, { cause: err, ...(recoverable !== undefined ? { recoverable } : {}) });
}
