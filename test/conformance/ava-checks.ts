import type { TestFn } from 'ava';
import { runCheck, type ConformanceCheck, type ConformanceFixture } from '../../core/conformance/index.js';

/** One ava test per check, named `<prefix>: <check>`; a failing check fails with its own assertion. */
export function avaChecks<F extends ConformanceFixture>(test: TestFn, prefix: string, checks: readonly ConformanceCheck<F>[], setup: () => Promise<F>): void {
  for (const check of checks) {
    test(`${prefix}: ${check.name}`, async (t) => {
      const o = await runCheck(check, setup);
      if (o.status === 'fail') throw o.error;
      if (o.status === 'not-run') t.fail(`not run: ${o.detail}`);
      else t.pass();
    });
  }
}
