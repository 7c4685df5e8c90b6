/**
 * R7: getEventRanges fails. Transient (seeded): 3 failures in a row (503, StatusCode 10,
 * reset or no answer), at the job's start or in its middle, then the server answers again:
 * the pilot retries with backoff and processes every range of the task (pilot3 stopped at the
 * first failure, defect 5). Permanent: from a seeded point on the server never hands out
 * ranges again: "No more events" goes to the payload, everything received is reported, and
 * the pilot exits within its bound (I4).
 */
import type { FaultKind } from '../../../plugins/panda-local/index.js';
import { runScenario } from '../scenario-kit.js';
import { esJobs, expectThat, finalJobUpdate, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

export const R7: Scenario = {
  id: 'R7',
  title: 'getEventRanges fails 3× then recovers / fails for good',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R7');
    const ranges = 40;
    const permanent = seed % 2 === 0; // consecutive seeds alternate the two modes
    const kind: FaultKind = rnd.pick(permanent ? ['http-503', 'status-10', 'reset'] as const : ['http-503', 'status-10', 'reset', 'stall'] as const);
    const afterDispatches = rnd.int(permanent ? 1 : 0, 6);
    const r = await runScenario(world, `r7-s${seed}`, rnd, {
      site: { task: { taskId: 9107, events: ranges, simulatorArgs: `--timePerEventMs=${rnd.int(10, 30)}` } },
      drive: async (d) => {
        const fault = { command: 'getEventRanges', kind, times: permanent ? 10_000 : 3 };
        if (afterDispatches === 0) return d.site.dispatcher.injectFault(fault);
        if (await d.until(() => d.site.dispatcher.snapshot().dispatches.length >= afterDispatches)) d.site.dispatcher.injectFault(fault);
      },
      expect: (h) => {
        const jobs = esJobs(h.snapshot);
        const out = jobs.flatMap((id) => expectThat(finalJobUpdate(h.snapshot, id) !== undefined, `R7: job ${id} got no final state`));
        if (!permanent) {
          const done = h.snapshot.rangeUpdates.filter((u) => u.outcome === 'applied' && u.eventStatus === 'finished').length;
          out.push(...expectThat(done === ranges, `R7: after a transient fault only ${done} of ${ranges} ranges finished`));
        }
        return out;
      },
    });
    return { reports: [r.report], note: `${permanent ? 'permanent' : '3×'} ${kind} after ${afterDispatches} dispatch(es)` };
  },
};
