/**
 * Transfers through the movers of an activity: each mover in order, each tried up to the
 * queue's retry count on recoverable errors with full-jitter backoff; the first success wins.
 */
import type { MoverCandidate, RetryPolicy } from '../contracts/job-binding.js';
import type { TransferRequest, TransferResult } from '../contracts/site-mover.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError, toPilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';

export type { MoverCandidate, RetryPolicy } from '../contracts/job-binding.js';

export interface TransferOutcome extends TransferResult {
  readonly mover: string;
  readonly attempts: number;
}

/** Full-jitter backoff delay for attempt `n` (0-based). */
export function backoffDelay(n: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** n));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * @throws PilotError: the first mover's last error when every mover failed (pilot3 keeps the
 *   first error code), or NOSTORAGE (1133) when there is no candidate.
 */
export async function transferWithFallback(
  direction: 'in' | 'out',
  candidates: readonly MoverCandidate[],
  request: TransferRequest,
  policy: RetryPolicy,
  log: Logger,
): Promise<TransferOutcome> {
  if (candidates.length === 0) {
    throw new PilotError(ErrorCodes.NOSTORAGE, `no mover can ${direction === 'in' ? 'read' : 'write'} ${request.url}`, { recoverable: false });
  }
  let first: PilotError | undefined;
  let attempts = 0;
  for (const { name, mover } of candidates) {
    for (let n = 0; n < Math.max(1, policy.attempts); n++) {
      attempts++;
      try {
        const result = direction === 'in' ? await mover.stageIn(request) : await mover.stageOut(request);
        return { ...result, mover: name, attempts };
      } catch (err) {
        const e = toPilotError(err, direction === 'in' ? ErrorCodes.STAGEINFAILED : ErrorCodes.STAGEOUTFAILED, name);
        first ??= e;
        log.warn(`${name}: ${direction === 'in' ? 'stage-in' : 'stage-out'} of ${request.url} failed (attempt ${n + 1}/${policy.attempts}): ${e.codeName} ${e.message}`);
        if (request.signal?.aborted) throw e;
        if (!e.recoverable || n + 1 >= policy.attempts) break;
        await sleep(backoffDelay(n, policy.backoffBaseMs, policy.backoffMaxMs), request.signal);
      }
    }
  }
  throw first!;
}
