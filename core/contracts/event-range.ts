/**
 * An event range as the server hands it out. `wire` keeps every key the server sent, in
 * its order, because the payload receives the range as the server described it.
 */
export interface EventRange {
  readonly id: string;
  readonly startEvent: number;
  readonly lastEvent: number;
  readonly lfn: string;
  readonly guid: string;
  readonly scope?: string;
  readonly pfn?: string;
  readonly wire: Readonly<Record<string, string | number>>;
}

/** Status strings the server accepts in updateEventRanges. Only the last three are final. */
export type EventRangeStatus = 'running' | 'transferring' | 'finished' | 'failed' | 'fatal';
export type FinalRangeStatus = 'finished' | 'failed' | 'fatal';

export const FINAL_RANGE_STATUSES: ReadonlySet<string> = new Set(['finished', 'failed', 'fatal']);
