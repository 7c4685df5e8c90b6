import { errorCodeName, RECOVERABLE_CODES } from './error-codes.js';
import { recogniseAcrossCopies } from './recognised-across-copies.js';

export interface PilotErrorOptions {
  /** Worth retrying the same operation (a transient network fault, a timeout). */
  readonly recoverable?: boolean;
  readonly cause?: unknown;
}

/**
 * An error PanDA can read: a numeric pilot error code, a diagnostic message and whether
 * retrying may help. Every failure that crosses a contract boundary is one of these.
 */
export class PilotError extends Error {
  readonly code: number;
  readonly recoverable: boolean;

  constructor(code: number, message: string, options: PilotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PilotError';
    this.code = code;
    this.recoverable = options.recoverable ?? RECOVERABLE_CODES.has(code);
  }

  /** `STAGEOUTFAILED (1137)` */
  get codeName(): string {
    return `${errorCodeName(this.code)} (${this.code})`;
  }

  /** The message PanDA shows as pilotErrorDiag: short, one line. */
  get diagnostic(): string {
    return this.message.replace(/\s+/g, ' ').slice(0, 250);
  }
}
recogniseAcrossCopies(PilotError, 'PilotError');

/** Wraps anything thrown into a PilotError, keeping a PilotError as it is. */
export function toPilotError(err: unknown, fallbackCode: number, context?: string): PilotError {
  if (err instanceof PilotError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new PilotError(fallbackCode, context ? `${context}: ${text}` : text, { cause: err });
}
