/**
 * Transfers to and from a bound destination, with its checksum store: the one place the core
 * records a stored object's checksum and looks up what was recorded for an input.
 */
import type { BoundDestination, RetryPolicy } from '../contracts/job-binding.js';
import type { TransferRequest } from '../contracts/site-mover.js';
import type { Logger } from '../logging/logger.js';
import { transferWithFallback, type TransferOutcome } from './transfer-service.js';

/**
 * Stores `request.localPath` at `request.url` through the destination's movers, then records
 * the verified checksum in the destination's checksum store, so an object counts as stored
 * only once both are done.
 * @throws PilotError from the movers (first mover's code) or from the store's `record`.
 */
export async function stageOutTo(dest: BoundDestination, request: TransferRequest, log: Logger, policy: RetryPolicy = dest.retry): Promise<TransferOutcome> {
  const out = await transferWithFallback('out', dest.candidates, request, policy, log);
  await dest.checksumStore?.record(out.url, out.size, [out.checksum]);
  return out;
}

/**
 * Fetches `request.url` through the destination's movers. Without an expected checksum, the
 * one the destination's checksum store recorded is expected (merge inputs: the ES outputs' records).
 * @throws PilotError from the movers or from the store's `lookup`.
 */
export async function stageInFrom(dest: BoundDestination, request: TransferRequest, log: Logger, policy: RetryPolicy = dest.retry): Promise<TransferOutcome> {
  let req = request;
  if (!req.checksum && dest.checksumStore) {
    const rec = await dest.checksumStore.lookup(req.url);
    const expected = rec?.checksums.find((c) => c.type === 'adler32') ?? rec?.checksums[0];
    if (expected) req = { ...req, checksum: expected, ...(req.size === undefined && rec?.size !== undefined ? { size: rec.size } : {}) };
  }
  return transferWithFallback('in', dest.candidates, req, policy, log);
}
