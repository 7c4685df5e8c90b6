/**
 * R10: the pilot is asked to stop mid-job, at a seeded instant: SIGTERM (drain), SIGTERM
 * twice (the second kills the payload), or the server's softkill / tobekilled command. It
 * stops dispatching, lets the payload end, stores and reports what was completed, sends the
 * final update and exits within its bound (I4); ranges not completed are left to the server
 * or reported failed, never lost (I3).
 */
import { runScenario } from '../scenario-kit.js';
import { esJobs, expectThat, finalJobUpdate, sleep, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

const MODES = ['sigterm', 'sigterm-twice', 'softkill', 'tobekilled'] as const;

export const R10: Scenario = {
  id: 'R10',
  title: 'SIGTERM (once, twice), softkill and tobekilled mid-job',
  seeds: MODES.length,
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R10');
    // Consecutive seeds visit every mode; the seed decides the rest.
    const mode = MODES[(seed - 1) % MODES.length]!;
    const after = rnd.int(3, 40);
    const r = await runScenario(world, `r10-s${seed}`, rnd, {
      site: { task: { taskId: 9110, events: 150, simulatorArgs: `--timePerEventMs=${rnd.int(20, 40)}` } },
      drive: async (d) => {
        if (!(await d.until(() => d.reports() >= after))) return;
        if (mode === 'softkill' || mode === 'tobekilled') return d.command(mode);
        d.pilot.signal('SIGTERM');
        if (mode === 'sigterm-twice') {
          await sleep(rnd.int(50, 500));
          d.pilot.signal('SIGTERM');
        }
      },
      expect: (h) => esJobs(h.snapshot).flatMap((id) => {
        const f = finalJobUpdate(h.snapshot, id);
        // A second SIGTERM kills the payload only if it is still running by then.
        const want = mode === 'sigterm' || mode === 'softkill' ? ['finished'] : mode === 'tobekilled' ? ['failed'] : ['finished', 'failed'];
        return expectThat(want.includes(f?.state ?? ''), `R10: after ${mode} job ${id} ended ${JSON.stringify(f)}, expected ${want.join(' or ')}`);
      }),
    });
    return { reports: [r.report], note: `${mode} after ${after} reports` };
  },
};
