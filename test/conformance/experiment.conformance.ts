/**
 * The shipped Experiment checks (core/conformance) as ava tests. A test file calls
 * `experimentConformance(test, 'name', setup)` with a factory giving the experiment and the
 * run that owns it (the run gives the direct launcher the checks execute commands with).
 */
import type { TestFn } from 'ava';
import { PayloadLauncher, type Experiment, type PayloadLauncher as Launcher } from '../../core/index.js';
import { experimentChecks } from '../../core/conformance/index.js';
import type { TestRun } from '../helpers/make-run.js';
import { avaChecks } from './ava-checks.js';

export interface ExperimentRunFixture {
  readonly experiment: Experiment;
  readonly run: TestRun;
  teardown(): Promise<void>;
}

export function experimentConformance(test: TestFn, label: string, setup: () => Promise<ExperimentRunFixture>): void {
  avaChecks(test, `${label} experiment conformance`, experimentChecks, async () => {
    const f = await setup();
    return { ...f, launcher: f.run.resolver.get<Launcher>(PayloadLauncher, 'direct') };
  });
}
