/**
 * I3, no silent drop. After a run that ended gracefully (every pilot exited by itself, and
 * any recovery the scenario ran), every range the payload received has a final status the
 * server acknowledged: its output or ERR_* was reported, and a range the payload still held
 * when it ended was reported failed. After a crash (the pilot SIGKILLed, then `espilot
 * recover`), only the in-flight window may stay unreported: ranges whose output or ERR_*
 * the payload announced less than the run's crash window (fault-config.ts) before the crash, or never, and whose
 * upload had not begun: the pilot uploads an output only after journaling it, so a PUT that
 * started before the crash (fault proxy log) or an object stored before it (file store)
 * proves the recovery had what it needed to report the range.
 */
import { acknowledged, type CheckContext } from './check-context.js';

export interface DropFacts {
  readonly violations: string[];
  /** Ranges the payload had received and not finished when the pilot died. */
  readonly inFlightAtCrash?: number;
  /** Ranges the payload received that never got an acknowledged final status. */
  readonly unreported: number;
}

export function checkDrops(c: CheckContext): DropFacts {
  const violations: string[] = [];
  const crashAt = c.h.crashAt;
  let unreported = 0;
  let inFlight = 0;
  for (const [id, p] of c.payload) {
    if (crashAt !== undefined && (p.doneAt === undefined || p.doneAt >= crashAt) && p.receivedAt < crashAt) inFlight++;
    if (acknowledged(c, id)) continue;
    unreported++;
    if (crashAt === undefined) {
      violations.push(`I3: range ${id} ${p.done ? `(payload announced ${p.done === 'output' ? 'its output' : 'ERR_*'})` : '(held by the payload when it ended)'} never got an acknowledged final status`);
    } else if (p.doneAt !== undefined && p.doneAt < crashAt - c.h.timings.crashWindowMs) {
      violations.push(`I3: range ${id}: the payload announced its ${p.done === 'output' ? 'output' : 'ERR_*'} ${crashAt - p.doneAt} ms before the crash (more than the crash window of ${c.h.timings.crashWindowMs} ms at slowdown ×${c.h.timings.slowdown.toFixed(2)}), yet after recovery it has no acknowledged final status`);
    } else if (uploadBegunBefore(c, id, crashAt)) {
      violations.push(`I3: range ${id}: its output was being stored before the crash (so it was journaled), yet after recovery it has no acknowledged final status`);
    }
  }
  return { violations, unreported, ...(crashAt !== undefined ? { inFlightAtCrash: inFlight } : {}) };
}

/** An upload of the range's output had begun before `t`: a request for its object reached the proxy, or (file store) the object was complete. */
function uploadBegunBefore(c: CheckContext, id: string, t: number): boolean {
  if (c.h.store.kind === 'file') return (c.objects.get(id) ?? []).some((o) => o.completedAt !== undefined && o.completedAt < t);
  const suffix = `.${id}`;
  return c.h.proxyLog.some((r) => (r.method === 'PUT' || r.method === 'POST') && r.startedAt < t && r.path.split('?')[0]!.endsWith(suffix));
}
