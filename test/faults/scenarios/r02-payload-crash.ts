/**
 * R2: the payload dies (SIGKILL, at a seeded range) while its workers also report seeded
 * ERR_ATHENAMP_PROCESS errors. The ranges with an ERR are failed with 1220 (retryable, never
 * fatal), the ranges the dead payload held are failed with 1227, the finished ones stay
 * finished, and the job fails with 1227 (ESATHENAMPDIED).
 */
import { acknowledged, checkContext } from '../check-context.js';
import { runScenario } from '../scenario-kit.js';
import { esJobs, expectThat, finalJobUpdate, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

export const R2: Scenario = {
  id: 'R2',
  title: 'payload crash (SIGKILL) + ERR_ATHENAMP_PROCESS from its workers',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R2');
    const ranges = 80;
    const crashAfter = rnd.int(10, 60);
    const errorRate = rnd.int(5, 30) / 100;
    const r = await runScenario(world, `r2-s${seed}`, rnd, {
      site: { task: { taskId: 9102, events: ranges, simulatorArgs: `--timePerEventMs=5 --errorRate=${errorRate} --seed=${seed} --crashAfter=${crashAfter}` } },
      expect: (h) => {
        const c = checkContext(h);
        const out: string[] = [];
        for (const [id, p] of c.payload) {
          const entries = c.finals.get(id) ?? [];
          if (!acknowledged(c, id) || entries.length === 0) continue;
          const { eventStatus, errorCode } = entries[0]!;
          if (p.done === 'error') out.push(...expectThat(eventStatus === 'failed' && Number(errorCode) === 1220, `R2: range ${id} sent ERR_ATHENAMP_PROCESS but was reported ${eventStatus} ${errorCode ?? ''}`));
          if (!p.done) out.push(...expectThat(eventStatus === 'failed' && Number(errorCode) === 1227, `R2: range ${id} was held by the dead payload but was reported ${eventStatus} ${errorCode ?? ''}`));
        }
        out.push(...expectThat(!h.snapshot.rangeUpdates.some((u) => u.eventStatus === 'fatal'), 'R2: a retryable error was reported fatal'));
        for (const id of esJobs(h.snapshot)) {
          const f = finalJobUpdate(h.snapshot, id);
          out.push(...expectThat(f?.state === 'failed' && f.code === 1227, `R2: job ${id} ended ${JSON.stringify(f)}, expected failed with 1227`));
        }
        return out;
      },
    });
    return { reports: [r.report], note: `crash on range ${crashAfter + 1}, error rate ${errorRate}` };
  },
};
