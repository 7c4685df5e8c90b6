/**
 * R6: PanDA misbehaves on updateEventRanges: no answer (black hole), HTTP 503, StatusCode 10,
 * connection reset, the reply lost after the update was applied, or a slow answer, in a
 * seeded sequence, and with some seeds a black-hole period of a few seconds. Reports wait in
 * the pilot's queue (and journal) and are delivered later, by the pilot or, if the outage
 * outlasted its final flush, by `espilot recover`; repeats are identical (I2) and only as
 * many as lost replies explain; nothing is dropped (pilot1/pilot3 defects 1, 2 and 4).
 */
import type { FaultKind } from '../../../plugins/panda-local/index.js';
import { runScenario } from '../scenario-kit.js';
import { sleep, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

const KINDS: readonly FaultKind[] = ['stall', 'http-503', 'status-10', 'reset', 'drop-reply', 'slow'];

export const R6: Scenario = {
  id: 'R6',
  title: 'PanDA black-hole / 5xx / lost replies / slow answers on updateEventRanges',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R6');
    const faults = Array.from({ length: rnd.int(2, 6) }, () => ({ kind: rnd.pick(KINDS), times: rnd.int(1, 2), delayMs: rnd.pick([500, 3000]) }));
    const blackHole = rnd.chance(0.5) ? { after: rnd.int(5, 40), ms: rnd.int(2000, 5000) } : undefined;
    const r = await runScenario(world, `r6-s${seed}`, rnd, {
      site: { task: { taskId: 9106, events: 100, simulatorArgs: `--timePerEventMs=${rnd.int(10, 25)}` } },
      recover: 'always',
      drive: async (d) => {
        for (const f of faults) d.site.dispatcher.injectFault({ command: 'updateEventRanges', kind: f.kind, times: f.times, ...(f.kind === 'slow' ? { delayMs: f.delayMs } : {}) });
        if (!blackHole || !(await d.until(() => d.reports() >= blackHole.after))) return;
        d.site.dispatcher.injectFault({ command: 'updateEventRanges', kind: 'stall', times: 10_000 });
        await sleep(blackHole.ms);
        d.site.dispatcher.clearFaults();
      },
      // The outage ends; whatever the pilot could not deliver is the recovery's.
      afterPilot: (site) => site.dispatcher.clearFaults(),
    });
    const seq = faults.map((f) => `${f.kind}${f.kind === 'slow' ? `(${f.delayMs} ms)` : ''}×${f.times}`).join(', ');
    return { reports: [r.report], note: `${seq}${blackHole ? `; black hole ${blackHole.ms} ms after ${blackHole.after} reports` : ''}` };
  },
};
