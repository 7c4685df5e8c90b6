/**
 * Transfers to and from a bound destination, with its checksum store: the one place the core
 * records a stored object's checksum and looks up what was recorded for an input.
 */
import type { BoundDestination, RetryPolicy } from '../contracts/job-binding.js';
import type { TransferRequest } from '../contracts/site-mover.js';
import type { Logger } from '../logging/logger.js';
import { openOutputSource } from './output-source.js';
import { transferWithFallback, type TransferOutcome } from './transfer-service.js';

export interface StageOutSource {
  /** The folder the file must be inside (the job's work directory); undefined for the pilot's own files elsewhere. */
  readonly within?: string;
}

/**
 * Stores `request.localPath` at `request.url` through the destination's movers, then records
 * the verified checksum in the destination's checksum store, so an object counts as stored
 * only once both are done. The file is opened and checked once (output-source.ts) and the
 * movers read that open file; one that changed during the upload is refused and its object deleted.
 * @throws PilotError MISSINGLOCALFILE (1164) / MISSINGOUTPUTFILE (1165) for a file that is
 *   absent, a link, or outside `source.within`; FILEHANDLINGFAILURE (1303) when it changed
 *   during the upload; from the movers (first mover's code) or from the store's `record`.
 */
export async function stageOutTo(dest: BoundDestination, request: TransferRequest, log: Logger, policy: RetryPolicy = dest.retry, source: StageOutSource = {}): Promise<TransferOutcome> {
  const file = openOutputSource(request.localPath, source.within);
  try {
    const out = await transferWithFallback('out', dest.candidates, { ...request, localPath: file.readPath }, policy, log);
    try {
      file.verifyUnchanged(out.size);
    } catch (err) {
      await removeObject(dest, out, log);
      throw err;
    }
    await dest.checksumStore?.record(out.url, out.size, [out.checksum]);
    return out;
  } finally {
    file.close();
  }
}

/** Deletes an upload that is not used (best effort: the object was never reported). */
async function removeObject(dest: BoundDestination, out: TransferOutcome, log: Logger): Promise<void> {
  const mover = dest.candidates.find((c) => c.name === out.mover)?.mover;
  try {
    await mover?.delete(out.url);
    await dest.checksumStore?.forget?.(out.url);
  } catch (err) {
    log.warn(`cannot delete the unused upload ${out.url}: ${(err as Error).message}`);
  }
}

/**
 * Fetches `request.url` through the destination's movers, verified against `expectedInput`.
 * @throws PilotError from the movers or from the store's `lookup`.
 */
export async function stageInFrom(dest: BoundDestination, request: TransferRequest, log: Logger, policy: RetryPolicy = dest.retry): Promise<TransferOutcome> {
  return transferWithFallback('in', dest.candidates, await expectedInput(dest, request), policy, log);
}

/**
 * What a stage-in must verify: the request's checksum (the job's), else the one the
 * destination's checksum store recorded (merge inputs: the ES outputs' records), with its size
 * when the request has none.
 * @throws PilotError from the store's `lookup`.
 */
export async function expectedInput(dest: BoundDestination, request: TransferRequest): Promise<TransferRequest> {
  if (request.checksum || !dest.checksumStore) return request;
  const rec = await dest.checksumStore.lookup(request.url);
  const expected = rec?.checksums.find((c) => c.type === 'adler32') ?? rec?.checksums[0];
  if (!expected) return request;
  return { ...request, checksum: expected, ...(request.size === undefined && rec?.size !== undefined ? { size: rec.size } : {}) };
}
