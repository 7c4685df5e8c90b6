import type { EsDestinations } from '../contracts/job-binding.js';
import type { EventRangeUpdate } from '../contracts/panda-api.js';
import type { RangeOutcome, RangeState } from './journal-records.js';

/**
 * The path convention range reports name for objects stored as `<outputLFN>.<rangeID>` under
 * the store's base: pilot3 reports 1000 with every stored ES output
 * (eventservice/workexecutor/plugins/genericexecutor.py).
 */
export const ES_PATH_CONVENTION = 1000;

/** The endpoint id of the storage an object URL is under (the binding's ES destinations). */
export type StorageIdOf = (url: string) => number | undefined;

/** Which of the job's ES stores (primary, failover) an object URL is under, by base. */
export function storageIdOfDestinations(dests: EsDestinations): StorageIdOf {
  const known = [dests.primary, dests.failover].filter((d) => d !== undefined);
  const prefixes = known.map((d) => ({ prefix: d.base.endsWith('/') ? d.base : `${d.base}/`, storageId: d.storageId }));
  return (url) => prefixes.find((p) => url.startsWith(p.prefix))?.storageId;
}

/**
 * The updateEventRanges entry for a range's final outcome. The live engine and a recovering
 * pilot build it the same way, so a retransmission after a crash is identical to the original.
 * A finished range names where its outputs are (`objstoreID`, `pathConvention`) when the
 * storage has an id; the merge job, possibly on another queue, finds them there.
 */
export function rangeUpdateOf(id: string, outcome: RangeOutcome, state?: Readonly<RangeState>, storageIdOf?: StorageIdOf): EventRangeUpdate {
  const cpu = state?.outputs?.cpu;
  const url = outcome.status === 'finished' ? state?.stored?.[0]?.url : undefined;
  const objstoreId = url !== undefined ? storageIdOf?.(url) : undefined;
  return {
    eventRangeId: id,
    eventStatus: outcome.status,
    ...(outcome.code !== undefined ? { errorCode: outcome.code } : {}),
    ...(outcome.diag ? { errorDiag: outcome.diag } : {}),
    ...(objstoreId !== undefined ? { objstoreId, pathConvention: ES_PATH_CONVENTION } : {}),
    ...(cpu !== undefined ? { cpuConsumptionTime: cpu } : {}),
  };
}
