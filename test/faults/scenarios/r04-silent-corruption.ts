/**
 * R4: silent corruption in transit: the fault proxy flips one byte of seeded PUT bodies (same
 * length, headers untouched), and with some seeds every upload of one range is damaged. The
 * upload verification (seeded: signed payload, Content-MD5, or a HEAD after the PUT) must
 * catch it: a damaged object is never reported finished (the checker recomputes adler32
 * from the stored bytes), and the doomed range fails.
 */
import { runScenario } from '../scenario-kit.js';
import { expectThat, firstFinalOf, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

const TASK = 9104;
const MODES = ['signed-payload', 'content-md5', 'head'] as const;

export const R4: Scenario = {
  id: 'R4',
  title: 'silent corruption of PUT bodies in transit',
  seeds: MODES.length,
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R4');
    const ranges = 50;
    const mode = MODES[(seed - 1) % MODES.length]!; // consecutive seeds visit every verification mode
    const nth = rnd.int(1, 30);
    const times = rnd.int(1, 5);
    const doomed = rnd.chance(0.5) ? rnd.int(1, 30) : undefined;
    const r = await runScenario(world, `r4-s${seed}`, rnd, {
      site: { task: { taskId: TASK, events: ranges, simulatorArgs: '--timePerEventMs=10' }, s3: { verifyUpload: mode } },
      drive: async (d) => {
        d.site.proxy!.inject({ method: 'PUT', fault: { kind: 'corrupt' }, nth, times });
        if (doomed !== undefined) d.site.proxy!.inject({ method: 'PUT', path: new RegExp(`\\.${TASK}-\\d+-1-${doomed}-\\d+\\?`), fault: { kind: 'corrupt' }, times: 1000 });
      },
      expect: (h) => {
        if (doomed === undefined) return [];
        const first = firstFinalOf(h.snapshot, doomed);
        const id = first?.eventRangeId;
        return first ? expectThat(first.eventStatus === 'failed', `R4: range ${id}, every upload of which was damaged, was reported ${first.eventStatus}`) : [];
      },
    });
    return { reports: [r.report], note: `verify ${mode}, corrupt PUT #${nth}×${times}${doomed !== undefined ? `, range ${doomed} always` : ''}` };
  },
};
