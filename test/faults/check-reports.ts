/**
 * I2, at most one final status: per eventRangeID never two different final statuses (nor
 * two different error codes); identical retransmissions are counted and must stay within
 * what the run's faults explain: the running pilot repeats a report only after a reply was
 * lost (dropped by the dispatcher after it applied the call, or answered after the client's
 * deadline), and each recovery run may send it once more (a killed pilot may not have
 * recorded the server's answer).
 *
 * I5, single dispatch: the payload received each range at most once (its trace), and the
 * dispatcher handed each range to a job at most once.
 */
import { ms, type CheckContext } from './check-context.js';

export interface ReportFacts {
  readonly violations: string[];
  /** Identical retransmissions the server received. */
  readonly duplicates: number;
}

export function checkReports(c: CheckContext): ReportFacts {
  const violations: string[] = [];
  // Replies lost after the server applied the call (dropped, or answered after the client gave up).
  const lostReplies = c.h.dispatcherFaults.filter((f) => (f.kind === 'drop-reply' || f.kind === 'slow') && f.command.startsWith('updateEventRange')).length;
  const recoveries = c.h.pilots.filter((p) => p.role === 'recover');
  const recoveryFrom = Math.min(...recoveries.map((p) => p.startedAt));
  let duplicates = 0;
  for (const [id, entries] of c.finals) {
    const statuses = new Set(entries.map((u) => u.eventStatus));
    if (statuses.size > 1) violations.push(`I2: range ${id} got different final statuses: ${entries.map((u) => `${u.eventStatus}@${u.time}`).join(', ')}`);
    const codes = new Set(entries.map((u) => String(u.errorCode ?? '')));
    if (codes.size > 1) violations.push(`I2: range ${id} got its final status with different error codes: ${[...codes].join(', ')}`);
    duplicates += entries.length - 1;
    // The running pilot may repeat a report only after a lost reply; each recovery may send it once more.
    const byPilot = entries.filter((u) => ms(u.time) < recoveryFrom).length;
    const byRecovery = entries.length - byPilot;
    if (byPilot - 1 > lostReplies) violations.push(`I2: the pilot reported range ${id} ${byPilot} times; ${lostReplies} lost repl(ies) explain at most ${lostReplies} repeat(s)`);
    if (byRecovery > recoveries.length + lostReplies) violations.push(`I2: recovery reported range ${id} ${byRecovery} times (${recoveries.length} recovery run(s))`);
  }
  for (const [id, p] of c.payload) {
    if (p.received > 1) violations.push(`I5: the payload of job ${p.pandaId} received range ${id} ${p.received} times`);
  }
  const handed = new Map<string, number>();
  for (const d of c.h.snapshot.dispatches) {
    for (const id of d.eventRangeIds) {
      const parts = id.split('-');
      const key = `${d.pandaId} ${parts[2]}-${parts[3]}`;
      handed.set(key, (handed.get(key) ?? 0) + 1);
    }
  }
  for (const [key, n] of handed) if (n > 1) violations.push(`I5: the dispatcher handed range ${key.split(' ')[1]} to job ${key.split(' ')[0]} ${n} times`);
  return { violations, duplicates };
}
