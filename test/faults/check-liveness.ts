/**
 * I4, bounded liveness: every pilot process ends by itself (none reaches the driver's hard
 * limit), and once told to stop, when "No more events" reached the payload (its trace), a
 * signal arrived or the server queued softkill/tobekilled, it exits within the run's exit
 * bound (fault-config.ts: its configured graces, final flush and PanDA call budget, at the
 * run's slowdown), even while the server or the store black-holes. A recovery run is held to
 * the same bound from its start or its last range report, whichever is later. A violation
 * names the bound and what it is made of.
 */
import type { CheckContext } from './check-context.js';

const STOP_SIGNALS = new Set(['SIGTERM', 'SIGINT', 'SIGUSR1']);

export function checkLiveness(c: CheckContext): string[] {
  const out: string[] = [];
  const t = c.h.timings;
  const firstStop = Math.min(...[...c.h.traces.values()].flatMap((events) => events.filter((e) => e.e === 'stop').map((e) => e.t)));
  const firstCommand = Math.min(...c.h.commands.map((x) => x.at));
  for (const p of c.h.pilots) {
    const exit = p.exit;
    if (!exit) {
      out.push(`I4: ${p.name} (pid ${p.pid}) has no recorded exit`);
      continue;
    }
    if (exit.killedBy === 'hard-limit') {
      out.push(`I4: ${p.name} was still running after ${t.hardLimitMs / 1000} s (the driver's hard limit, ×${t.slowdown.toFixed(2)} slowdown) and was killed`);
      continue;
    }
    if (exit.killedBy === 'crash') continue;
    const signalled = Math.min(...p.signals.filter((s) => STOP_SIGNALS.has(s.signal)).map((s) => s.at));
    // A recovery uploads and reports what the dead pilot left, as much as that is: it is held to
    // the bound from its last range report the server received (its measured progress), not
    // from its start, so the bound does not depend on how much work the crash left.
    const progress = p.role === 'recover' ? lastRangeUpdate(c, p.startedAt, exit.at) : undefined;
    const told = p.role === 'recover' ? Math.max(p.startedAt, progress ?? 0) : Math.min(firstStop, signalled, firstCommand);
    if (Number.isFinite(told) && exit.at - Math.max(told, p.startedAt) > t.exitBoundMs) {
      const what = p.role === 'recover' ? (progress !== undefined && progress > p.startedAt ? 'sent its last range report' : 'started') : told === signalled ? 'was signalled' : told === firstCommand ? 'the server queued a command' : '"No more events" reached the payload';
      out.push(`I4: ${p.name} exited ${exit.at - Math.max(told, p.startedAt)} ms after it ${what} (exit bound ${t.exitBoundMs} ms: ${t.exitBoundWhy})`);
    }
  }
  return out;
}

/** When the server last received a range update between `from` and `to` (ms), if it did. */
function lastRangeUpdate(c: CheckContext, from: number, to: number): number | undefined {
  let last: number | undefined;
  for (const u of c.h.snapshot.rangeUpdates) {
    const at = Date.parse(u.time);
    if (at >= from && at <= to && (last === undefined || at > last)) last = at;
  }
  return last;
}
