/**
 * The fault suite: R1–R12, each over a set of seeds, one Swift for all. Prints one line per
 * seed (ranges by final state, in flight at the crash, orphan objects, duplicates,
 * violations) and every violation in full.
 */
import type { CheckReport } from './checker.js';
import { describeReport } from './checker.js';
import { startFaultWorld, type FaultWorld } from './fault-world.js';
import type { Scenario } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';

export interface SeedResult {
  readonly scenario: string;
  readonly seed: number;
  readonly reports: readonly CheckReport[];
  readonly note: string;
  readonly seconds: number;
  /** The scenario could not run (an error of the driver, not a verdict on the pilot). */
  readonly error?: string;
}

/** Default seeds per scenario: enough for CI; `--seeds N` for long runs. */
export const DEFAULT_SEEDS = 2;

export function seedList(count: number, first = 1): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

/** Violations of a seed, each prefixed with the scenario and seed. */
export function violationsOf(r: SeedResult): string[] {
  const v = r.reports.flatMap((x) => x.violations);
  return [...(r.error ? [`driver error: ${r.error}`] : []), ...v].map((m) => `${r.scenario} seed ${r.seed}: ${m}`);
}

/** The summary line of a seed (one per site for multi-site scenarios). */
export function describeSeed(r: SeedResult): string {
  if (r.error) return `${r.scenario} seed ${r.seed}: DRIVER ERROR ${r.error.split('\n')[0]}`;
  return r.reports.map((rep, i) => describeReport(r.scenario + (r.reports.length > 1 ? `/${i + 1}` : ''), r.seed, rep, i === 0 ? `${r.note} (${r.seconds.toFixed(1)} s)` : '')).join('\n');
}

/** Runs one scenario with one seed in a world (which the caller owns). */
export async function runSeed(world: FaultWorld, s: Scenario, seed: number): Promise<SeedResult> {
  const t0 = performance.now();
  try {
    const out = await s.run(world, seed);
    return { scenario: s.id, seed, reports: out.reports, note: out.note, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    return { scenario: s.id, seed, reports: [], note: '', seconds: (performance.now() - t0) / 1000, error: (err as Error).stack ?? String(err) };
  }
}

/** The seeds a scenario runs with: `seeds` when given, else its own default count from 1. */
export function seedsFor(s: Scenario, seeds?: readonly number[]): readonly number[] {
  return seeds ?? seedList(s.seeds ?? DEFAULT_SEEDS);
}

/** Runs the selected scenarios over the seeds; `log` gets each seed's lines as they finish. */
export async function runSuite(o: { seeds?: readonly number[]; only?: readonly string[]; log: (line: string) => void; keep?: boolean }): Promise<SeedResult[]> {
  const scenarios = SCENARIOS.filter((s) => !o.only || o.only.includes(s.id));
  const world = await startFaultWorld();
  world.keep = o.keep ?? false;
  const results: SeedResult[] = [];
  try {
    for (const s of scenarios) {
      o.log(`${s.id}: ${s.title}`);
      for (const seed of seedsFor(s, o.seeds)) {
        const r = await runSeed(world, s, seed);
        results.push(r);
        o.log(describeSeed(r));
        const v = violationsOf(r);
        for (const line of v.slice(0, 12)) o.log(`  ✗ ${line}`);
        if (v.length > 12) o.log(`  … and ${v.length - 12} more`);
      }
    }
  } finally {
    if (results.some((r) => violationsOf(r).length > 0) && o.keep !== false) world.keep = true;
    await world.close();
  }
  return results;
}
