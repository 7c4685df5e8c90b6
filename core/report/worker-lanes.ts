/**
 * One lane per payload worker: the routing id of the `Ready for events` that got each range
 * (journaled with the `sent` record). Ranges of journals written before workers were recorded
 * are packed into the fewest lanes whose ranges do not overlap, and the lanes say so.
 */
import type { RangeTiming } from './journal-timeline.js';
import type { WorkerLane } from './job-report.js';

/** The lane of ranges that were fetched but never sent to the payload. */
export const UNDISPATCHED_LANE = 'undispatched';

export interface LaneAssignment {
  /** Lanes in order of their first range; the undispatched lane, if any, last. */
  readonly lanes: readonly WorkerLane[];
  /** Range id → lane id. Every range of the input has one. */
  readonly laneOf: ReadonlyMap<string, string>;
}

/** Puts every range on a lane: its worker's, the inferred one, or the undispatched lane. */
export function assignLanes(ranges: readonly RangeTiming[]): LaneAssignment {
  const laneOf = new Map<string, string>();
  const sent = ranges.filter((r) => r.sentAt !== undefined).sort((a, b) => a.sentAt! - b.sentAt!);
  const order: string[] = [];
  const labels = new Map<string, string>();
  const inferredEnds: number[] = [];
  for (const r of sent) {
    let id: string;
    if (r.worker) {
      id = r.worker;
      if (!labels.has(id)) labels.set(id, `worker ${labels.size + 1} (${shortPeer(id)})`);
    } else {
      // A worker holds one range at a time: reuse the first lane that is free again.
      const end = r.outputAt ?? r.decidedAt ?? r.sentAt!;
      let n = inferredEnds.findIndex((e) => e <= r.sentAt!);
      if (n < 0) n = inferredEnds.push(end) - 1;
      else inferredEnds[n] = end;
      id = `lane-${n + 1}`;
      if (!labels.has(id)) labels.set(id, `lane ${n + 1} (worker not recorded)`);
    }
    if (!order.includes(id)) order.push(id);
    laneOf.set(r.id, id);
  }
  for (const r of ranges) if (!laneOf.has(r.id)) laneOf.set(r.id, UNDISPATCHED_LANE);
  if (sent.length < ranges.length) {
    order.push(UNDISPATCHED_LANE);
    labels.set(UNDISPATCHED_LANE, 'not dispatched');
  }
  const lanes = order.map((id): WorkerLane => {
    const mine = ranges.filter((r) => laneOf.get(r.id) === id);
    return { id, label: labels.get(id)!, ranges: mine.length, failed: mine.filter((r) => r.status === 'failed' || r.status === 'fatal').length };
  });
  return { lanes, laneOf };
}

/** Routing ids are long hex strings; the last 10 digits tell workers apart. */
function shortPeer(hex: string): string {
  return hex.length > 10 ? `…${hex.slice(-10)}` : hex;
}
