/**
 * Facts the invariant checks share, derived once from a run's history: final reports per
 * eventRangeID as the dispatcher received and judged them, the payload's events per range,
 * and the store's objects per range.
 */
import type { RangeUpdateEntry } from '../../plugins/panda-local/index.js';
import type { TraceEvent } from '../../plugins/payload-simulator/index.js';
import type { RunHistory } from './history.js';
import type { ObjectFacts } from './store-reader.js';

export const FINAL = new Set(['finished', 'failed', 'fatal']);

export interface PayloadFacts {
  /** The job (PandaID) whose trace it is. */
  readonly pandaId: string;
  /** When a worker got the range (first time). */
  readonly receivedAt: number;
  /** How many times a worker got it. */
  readonly received: number;
  /** When the payload announced its output or ERR_* for it (first), if it did. */
  readonly doneAt?: number;
  readonly done?: 'output' | 'error';
}

export interface CheckContext {
  readonly h: RunHistory;
  /** Final-status entries (applied, no-op or rejected) per eventRangeID, in arrival order. */
  readonly finals: ReadonlyMap<string, readonly RangeUpdateEntry[]>;
  readonly payload: ReadonlyMap<string, PayloadFacts>;
  readonly objects: ReadonlyMap<string, readonly ObjectFacts[]>;
  /** IDs the dispatcher handed to ES jobs, in order. */
  readonly dispatched: readonly string[];
}

export function checkContext(h: RunHistory): CheckContext {
  const finals = new Map<string, RangeUpdateEntry[]>();
  for (const u of h.snapshot.rangeUpdates) {
    if (!u.eventRangeId || !FINAL.has(u.eventStatus ?? '')) continue;
    finals.set(u.eventRangeId, [...(finals.get(u.eventRangeId) ?? []), u]);
  }
  const payload = new Map<string, PayloadFacts>();
  for (const [pandaId, events] of h.traces) for (const ev of events) addEvent(payload, pandaId, ev);
  const objects = new Map<string, ObjectFacts[]>();
  for (const o of h.store.objects.values()) if (o.rangeId) objects.set(o.rangeId, [...(objects.get(o.rangeId) ?? []), o]);
  const dispatched = h.snapshot.dispatches.flatMap((d) => d.eventRangeIds);
  return { h, finals, payload, objects, dispatched };
}

function addEvent(out: Map<string, PayloadFacts>, pandaId: string, ev: TraceEvent): void {
  if (!ev.id) return;
  const f = out.get(ev.id);
  if (ev.e === 'received') {
    out.set(ev.id, f ? { ...f, received: f.received + 1 } : { pandaId, receivedAt: ev.t, received: 1 });
  } else if ((ev.e === 'output' || ev.e === 'error') && f && f.doneAt === undefined) {
    out.set(ev.id, { ...f, doneAt: ev.t, done: ev.e });
  }
}

/** The server acknowledged a final status for the range (answered true). */
export function acknowledged(c: CheckContext, id: string): boolean {
  return (c.finals.get(id) ?? []).some((u) => u.result === true);
}

/** The first final status the server applied to the range, if any. */
export function appliedStatus(c: CheckContext, id: string): string | undefined {
  return (c.finals.get(id) ?? []).find((u) => u.outcome === 'applied')?.eventStatus;
}

/** ms since the epoch of a dispatcher record time. */
export function ms(iso: string): number {
  return Date.parse(iso);
}
