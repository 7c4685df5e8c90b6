/**
 * R3: the object store misbehaves (through the fault proxy): 503 SlowDown, 500, connection
 * reset, connection closed, or no answer at all, on seeded PUTs; and with some seeds one
 * range's object can never be stored. Ranges are retried within budget and finish, or fail
 * with the stage-out code (1137); never `finished` without a committed PUT; a hung request
 * ends at its deadline.
 */
import type { Fault } from '../../helpers/fault-proxy.js';
import { runScenario } from '../scenario-kit.js';
import { expectThat, firstFinalOf, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

const KINDS: readonly Fault[] = [
  { kind: 'status', status: 503, code: 'SlowDown' }, { kind: 'status', status: 500, code: 'InternalError' },
  { kind: 'reset' }, { kind: 'close' }, { kind: 'hang' },
];
const TASK = 9103;

export const R3: Scenario = {
  id: 'R3',
  title: 'S3 faults: 503 SlowDown, 500, reset, close, hang; one object that never stores',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R3');
    const ranges = 60;
    const rules = Array.from({ length: rnd.int(2, 4) }, () => ({ fault: rnd.pick(KINDS), nth: rnd.int(1, 40), times: rnd.int(1, 3) }));
    const doomed = rnd.chance(0.6) ? rnd.int(1, 40) : undefined;
    const doomedFault = rnd.pick(KINDS.filter((k) => k.kind !== 'hang'));
    const r = await runScenario(world, `r3-s${seed}`, rnd, {
      site: { task: { taskId: TASK, events: ranges, simulatorArgs: '--timePerEventMs=10' } },
      drive: async (d) => {
        for (const rule of rules) d.site.proxy!.inject({ method: 'PUT', ...rule });
        if (doomed !== undefined) d.site.proxy!.inject({ method: 'PUT', path: new RegExp(`\\.${TASK}-\\d+-1-${doomed}-\\d+\\?`), fault: doomedFault, times: 1000 });
      },
      expect: (h) => {
        if (doomed === undefined) return [];
        const first = firstFinalOf(h.snapshot, doomed);
        const id = first?.eventRangeId;
        return first ? expectThat(first.eventStatus === 'failed' && Number(first.errorCode) === 1137, `R3: range ${id}, whose object never stores, was reported ${first.eventStatus} ${first.errorCode ?? ''}, expected failed 1137`) : [];
      },
    });
    const describe = (f: Fault) => (f.kind === 'status' ? String(f.status) : f.kind);
    return { reports: [r.report], note: `${rules.map((x) => `${describe(x.fault)}@PUT#${x.nth}×${x.times}`).join(', ')}${doomed !== undefined ? `; range ${doomed} always ${describe(doomedFault)}` : ''}` };
  },
};
