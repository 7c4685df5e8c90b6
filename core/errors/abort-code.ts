/**
 * What an aborted `JobControl` signal stands for. `JobControlSource` aborts with a PilotError
 * carrying the code to report (1201 SIGTERM, 1208 SIGINT, 1144 PANDAKILL, ...); every RunJob
 * reads the reason through these two functions, so none guesses at its shape.
 */
import { PilotError } from './pilot-error.js';

/** The reason as a PilotError; anything that is not one becomes `fallback` with its text. */
export function abortError(reason: unknown, fallback: number): PilotError {
  if (reason instanceof PilotError) return reason;
  return new PilotError(fallback, reason === undefined ? 'kill requested' : String((reason as Error)?.message ?? reason), { recoverable: false });
}

/** The pilot error code of an abort reason; `fallback` when the reason carries none. */
export function abortCode(reason: unknown, fallback: number): number {
  return reason instanceof PilotError ? reason.code : fallback;
}
