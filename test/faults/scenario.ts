/**
 * The shape of a fault scenario (R1–R12 of performance-reliability.md §9) and small helpers
 * scenarios share for their own expectations, all read from the dispatcher's records.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DispatcherSnapshot, RangeUpdateEntry } from '../../plugins/panda-local/index.js';
import type { CheckReport } from './checker.js';
import type { FaultWorld } from './fault-world.js';

export interface ScenarioOutcome {
  /** One checker report per site the scenario ran (R9 runs two). */
  readonly reports: readonly CheckReport[];
  /** What the seed chose, for the summary line. */
  readonly note: string;
}

export interface Scenario {
  /** `R1` … `R12`. */
  readonly id: string;
  readonly title: string;
  /** Seeds CI runs by default (enough to visit each of the scenario's modes); default 2. */
  readonly seeds?: number;
  run(world: FaultWorld, seed: number): Promise<ScenarioOutcome>;
}

/** The final state and error code the pilot reported for a job with updateJob, if it did. */
export function finalJobUpdate(s: DispatcherSnapshot, pandaId: string): { state: string; code?: number } | undefined {
  const u = s.jobUpdates.find((x) => x.pandaId === pandaId && x.outcome === 'applied' && (x.state === 'finished' || x.state === 'failed'));
  return u ? { state: u.state, ...(u.pilotErrorCode !== undefined ? { code: u.pilotErrorCode } : {}) } : undefined;
}

/** The first final report the dispatcher received for the range with this processID (its position in the input file), if any. */
export function firstFinalOf(s: DispatcherSnapshot, processId: number): RangeUpdateEntry | undefined {
  return s.rangeUpdates.find((u) => u.eventRangeId?.split('-')[3] === String(processId) && ['finished', 'failed', 'fatal'].includes(u.eventStatus ?? ''));
}

/** The ES jobs the dispatcher handed out. */
export function esJobs(s: DispatcherSnapshot): string[] {
  return s.jobs.filter((j) => j.kind === 'es' && j.dispatchedAt).map((j) => j.pandaId);
}

/** An expectation: the message when `ok` is false. */
export function expectThat(ok: boolean, message: string): string[] {
  return ok ? [] : [message];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Where a pilot put its job directories (`<workdir>/pilot-<pid>-<time>/PandaJob_<id>`): for
 * drivers that need a real file inside one, and for R12's checks of the journal and report.
 */
export async function jobDirs(workdir: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of (await readdir(workdir).catch(() => [] as string[])).filter((n) => n.startsWith('pilot-'))) {
    for (const j of (await readdir(join(workdir, p)).catch(() => [] as string[])).filter((n) => n.startsWith('PandaJob_'))) out.push(join(workdir, p, j));
  }
  return out.sort();
}
