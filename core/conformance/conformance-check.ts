/**
 * Conformance suites as plain data: named async checks that throw (node:assert) when a plugin
 * misbehaves, and a runner that gives each check a fresh fixture and scratch directory. No
 * test framework is needed: `espilot conformance` runs them, and a repository's own tests
 * wrap each check in a test of their framework.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PilotError } from '../errors/pilot-error.js';

/** What every suite's fixture has: a way to release what the setup made. */
export interface ConformanceFixture {
  teardown(): Promise<void>;
}

export interface ConformanceCheck<F> {
  readonly name: string;
  /** Why this check cannot run with the fixture (e.g. no way to tamper with the storage); undefined when it can. */
  readonly notRunnable?: (fixture: F) => string | undefined;
  /** @throws an AssertionError (or any error) when the plugin does not conform. */
  run(fixture: F, scratch: string): Promise<void>;
}

export interface CheckOutcome {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'not-run';
  /** The failure, or why the check did not run. */
  readonly detail?: string;
  readonly error?: unknown;
}

/** Runs one check with a fresh fixture and scratch directory; never throws. */
export async function runCheck<F extends ConformanceFixture>(check: ConformanceCheck<F>, setup: () => Promise<F>): Promise<CheckOutcome> {
  const scratch = await mkdtemp(join(tmpdir(), 'espilot-conformance-'));
  let outcome: CheckOutcome;
  let fixture: F | undefined;
  try {
    fixture = await setup();
    const reason = check.notRunnable?.(fixture);
    if (reason) outcome = { name: check.name, status: 'not-run', detail: reason };
    else {
      await check.run(fixture, scratch);
      outcome = { name: check.name, status: 'pass' };
    }
  } catch (err) {
    outcome = { name: check.name, status: 'fail', detail: describeError(err), error: err };
  }
  try {
    await fixture?.teardown();
  } catch (err) {
    if (outcome.status !== 'fail') outcome = { name: check.name, status: 'fail', detail: `teardown failed: ${describeError(err)}`, error: err };
  }
  await rm(scratch, { recursive: true, force: true });
  return outcome;
}

/** Runs the checks one after the other, reporting each outcome as it comes. */
export async function runChecks<F extends ConformanceFixture>(
  checks: readonly ConformanceCheck<F>[], setup: () => Promise<F>, onOutcome: (o: CheckOutcome) => void = () => {},
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    const o = await runCheck(check, setup);
    onOutcome(o);
    outcomes.push(o);
  }
  return outcomes;
}

/**
 * The PilotError a promise rejects with.
 * @throws an AssertionError-like Error when it resolves or rejects with something else.
 */
export async function pilotErrorOf(promise: Promise<unknown>, what: string): Promise<PilotError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PilotError) return err;
    throw new Error(`${what}: expected a PilotError, got ${describeError(err)}`, { cause: err });
  }
  throw new Error(`${what}: expected a PilotError, but it succeeded`);
}

function describeError(err: unknown): string {
  if (err instanceof PilotError) return `${err.name} ${err.codeName}: ${err.message}`;
  // node:assert messages carry a multi-line diff; one line is enough for a report.
  if (err instanceof Error) return err.message.replace(/\s+/g, ' ').trim().slice(0, 400) || err.name;
  return String(err);
}
