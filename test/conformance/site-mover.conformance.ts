/**
 * The shipped SiteMover checks (core/conformance) as ava tests: one test per check, each
 * with a fresh fixture from `setup`. A check that cannot run with the fixture fails here:
 * the repository's own movers are tested with every check.
 */
import type { TestFn } from 'ava';
import { siteMoverChecks, type MoverFixture } from '../../core/conformance/index.js';
import { avaChecks } from './ava-checks.js';

export type { MoverFixture };

export function siteMoverConformance(test: TestFn, label: string, setup: () => Promise<MoverFixture>): void {
  avaChecks(test, `${label} conformance`, siteMoverChecks, setup);
}
