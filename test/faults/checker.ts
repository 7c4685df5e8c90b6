/**
 * The fault suite's checker: verifies I1–I6 (performance-reliability.md §8) over a run's
 * history, which holds only records from outside the pilot (dispatcher, proxy, store,
 * payload trace, processes), and summarises the run: ranges by final state, in flight at
 * the crash, orphan objects, duplicate reports, violations.
 */
import { appliedStatus, checkContext, type CheckContext } from './check-context.js';
import { checkDrops } from './check-drops.js';
import { checkDurability } from './check-durability.js';
import { checkLiveness } from './check-liveness.js';
import { checkReports } from './check-reports.js';
import { checkSecrets } from './check-secrets.js';
import type { RunHistory } from './history.js';

export interface CheckReport {
  /** Ranges handed to ES jobs, by the final status the server applied (`unreported`: none). */
  readonly byState: Readonly<Record<'finished' | 'failed' | 'fatal' | 'unreported', number>>;
  /** Ranges the payload had received and not finished when the pilot was killed. */
  readonly inFlightAtCrash?: number;
  /** Stored objects of ranges that were not reported finished (wasted, not wrong). */
  readonly orphanObjects: number;
  /** Multipart uploads left open in the store. */
  readonly openUploads: number;
  /** Identical retransmissions of final statuses. */
  readonly duplicates: number;
  readonly violations: readonly string[];
}

/** Runs every check; `extra` are the scenario's own expectations that failed. */
export async function check(h: RunHistory, extra: readonly string[] = []): Promise<CheckReport> {
  const c = checkContext(h);
  const reports = checkReports(c);
  const drops = checkDrops(c);
  const violations = [
    ...checkDurability(c), ...reports.violations, ...drops.violations, ...checkLiveness(c), ...(await checkSecrets(c)),
    ...h.store.openUploads.map((u) => `I1: multipart upload ${u} was left open (parts orphaned)`),
    ...extra,
  ];
  return {
    byState: byState(c), ...(drops.inFlightAtCrash !== undefined ? { inFlightAtCrash: drops.inFlightAtCrash } : {}),
    orphanObjects: [...h.store.objects.values()].filter((o) => o.rangeId && appliedStatus(c, o.rangeId) !== 'finished').length,
    openUploads: h.store.openUploads.length, duplicates: reports.duplicates, violations,
  };
}

function byState(c: CheckContext): CheckReport['byState'] {
  const out = { finished: 0, failed: 0, fatal: 0, unreported: 0 };
  for (const id of new Set(c.dispatched)) {
    const s = appliedStatus(c, id);
    if (s === 'finished' || s === 'failed' || s === 'fatal') out[s]++;
    else out.unreported++;
  }
  return out;
}

/** One line per run: `R3 seed 2: 40 finished, 2 failed, 0 fatal, 0 unreported | in flight at crash – | orphans 1 | open uploads 0 | duplicates 0 | violations 0`. */
export function describeReport(id: string, seed: number, r: CheckReport, note = ''): string {
  const s = r.byState;
  return `${id} seed ${seed}: ${s.finished} finished, ${s.failed} failed, ${s.fatal} fatal, ${s.unreported} unreported`
    + ` | in flight at crash ${r.inFlightAtCrash ?? '–'} | orphans ${r.orphanObjects} | open uploads ${r.openUploads}`
    + ` | duplicates ${r.duplicates} | violations ${r.violations.length}${note ? ` | ${note}` : ''}`;
}
