/**
 * R1: SIGKILL the pilot (and its payload) at a seeded instant of an ES job, then run
 * `espilot recover` on its work directory. The recovery must store and report what the dead
 * pilot had produced, each once, leave the in-flight ranges to the server, and close the job.
 */
import { runScenario } from '../scenario-kit.js';
import { esJobs, expectThat, finalJobUpdate, sleep, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

export const R1: Scenario = {
  id: 'R1',
  title: 'SIGKILL the pilot mid-job, then espilot recover',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R1');
    // The payload outruns the uploads, so a backlog of journaled outputs waits at the kill.
    const ranges = 300;
    const killAfter = rnd.int(3, 200);
    const extraMs = rnd.int(0, 150);
    const perEvent = rnd.int(3, 10);
    const r = await runScenario(world, `r1-s${seed}`, rnd, {
      site: { task: { taskId: 9101, events: ranges, simulatorArgs: `--timePerEventMs=${perEvent}` } },
      drive: async (d) => {
        if (!(await d.until(() => d.reports() >= killAfter))) return;
        await sleep(extraMs);
        d.crash();
      },
      expect: (h) => esJobs(h.snapshot).flatMap((id) => expectThat(finalJobUpdate(h.snapshot, id) !== undefined, `R1: job ${id} never got a final state (the recovery did not close it)`)),
    });
    return { reports: [r.report], note: `kill after ${killAfter} reports + ${extraMs} ms, ${perEvent} ms/event` };
  },
};
