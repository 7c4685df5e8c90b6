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

/**
 * Puts every range on a lane: its worker's, the inferred one, or the undispatched lane.
 * One pass over the ranges in dispatch order (a lane's tallies are kept as it goes), so the
 * cost does not grow with workers × ranges.
 */
export function assignLanes(ranges: readonly RangeTiming[]): LaneAssignment {
  const laneOf = new Map<string, string>();
  const sent = ranges.filter((r) => r.sentAt !== undefined).sort((a, b) => a.sentAt! - b.sentAt!);
  const tally = new Map<string, { label: string; ranges: number; failed: number }>();
  const inferred = new FreeLanes();
  const count = (id: string, label: (() => string) | string, r: RangeTiming) => {
    let t = tally.get(id);
    if (!t) tally.set(id, (t = { label: typeof label === 'string' ? label : label(), ranges: 0, failed: 0 }));
    t.ranges++;
    if (r.status === 'failed' || r.status === 'fatal') t.failed++;
    laneOf.set(r.id, id);
  };
  let workers = 0;
  for (const r of sent) {
    if (r.worker) {
      count(r.worker, tally.has(r.worker) ? '' : `worker ${++workers} (${shortPeer(r.worker)})`, r);
    } else {
      // A worker holds one range at a time: reuse the lowest lane that is free again.
      const n = inferred.take(r.sentAt!, r.outputAt ?? r.decidedAt ?? r.sentAt!);
      count(`lane-${n + 1}`, () => `lane ${n + 1} (worker not recorded)`, r);
    }
  }
  for (const r of ranges) if (r.sentAt === undefined) count(UNDISPATCHED_LANE, 'not dispatched', r);
  // Map order is insertion order: lanes by first dispatch, the undispatched lane last.
  const lanes = [...tally].map(([id, t]): WorkerLane => ({ id, label: t.label, ranges: t.ranges, failed: t.failed }));
  return { lanes, laneOf };
}

/**
 * Inferred lanes: each is busy until the end of its last range. `take` gives the lowest lane
 * free at `start` (a new one when none is), so ranges that do not overlap share lanes.
 * Busy lanes sit in a min-heap by end; free ones in a min-heap by number.
 */
class FreeLanes {
  private readonly busy: Array<[end: number, lane: number]> = [];
  private readonly free: number[] = [];
  private count = 0;

  take(start: number, end: number): number {
    while (this.busy.length && this.busy[0]![0] <= start) push(this.free, pop(this.busy, byEnd)[1], byNum);
    const lane = this.free.length ? pop(this.free, byNum) : this.count++;
    push(this.busy, [end, lane], byEnd);
    return lane;
  }
}

const byEnd = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];
const byNum = (a: number, b: number) => a - b;

function push<T>(h: T[], v: T, cmp: (a: T, b: T) => number): void {
  h.push(v);
  for (let i = h.length - 1; i > 0;) {
    const p = (i - 1) >> 1;
    if (cmp(h[i]!, h[p]!) >= 0) break;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function pop<T>(h: T[], cmp: (a: T, b: T) => number): T {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length) {
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && cmp(h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && cmp(h[r]!, h[m]!) < 0) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
  return top;
}

/** Routing ids are long hex strings; the last 10 digits tell workers apart. */
function shortPeer(hex: string): string {
  return hex.length > 10 ? `…${hex.slice(-10)}` : hex;
}

/**
 * Lanes and a lane lookup for a large job's pages: when every dispatched range names its
 * worker (every current journal) the lane is read off the range, with no map of every range;
 * otherwise (older journals) assignLanes packs them. `lanes`: the report's, when at hand.
 */
export function laneFinder(ranges: readonly RangeTiming[], lanes?: readonly WorkerLane[]): { readonly lanes: readonly WorkerLane[]; laneOf(r: RangeTiming): string } {
  if (lanes && ranges.every((r) => r.sentAt === undefined || r.worker)) {
    return { lanes, laneOf: (r) => (r.sentAt === undefined ? UNDISPATCHED_LANE : r.worker!) };
  }
  const a = assignLanes(ranges);
  return { lanes: a.lanes, laneOf: (r) => a.laneOf.get(r.id)! };
}
