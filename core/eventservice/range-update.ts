import type { EventRangeUpdate } from '../contracts/panda-api.js';
import type { RangeOutcome, RangeState } from './journal-records.js';

/**
 * The updateEventRanges entry for a range's final outcome. The live engine and a recovering
 * pilot build it the same way, so a retransmission after a crash is identical to the original.
 */
export function rangeUpdateOf(id: string, outcome: RangeOutcome, state?: Readonly<RangeState>): EventRangeUpdate {
  const cpu = state?.outputs?.cpu;
  return {
    eventRangeId: id,
    eventStatus: outcome.status,
    ...(outcome.code !== undefined ? { errorCode: outcome.code } : {}),
    ...(outcome.diag ? { errorDiag: outcome.diag } : {}),
    ...(cpu !== undefined ? { cpuConsumptionTime: cpu } : {}),
  };
}
