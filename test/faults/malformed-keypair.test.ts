/**
 * Issue 13's getKeyPair leak, end to end: the real pilot (a child process) runs an ES job
 * whose S3 keys come from the embedded dispatcher, which first answers getKeyPair malformed
 * while carrying the keys: without a StatusCode, with a word for a StatusCode, or as a 500
 * echoing the reply. The S3 secret key is the canary; I6 scans the pilot's log, every file
 * under its work directory (range journal, job report, timeline), the argv and environment
 * of every process and everything it sent to the dispatcher (range errorDiags included).
 */
import test from 'ava';
import { MALFORMED_REPLY_KINDS, type MalformedReplyKind } from '../../plugins/panda-local/index.js';
import { describeSeed, runSeed, violationsOf } from './fault-suite.js';
import { startFaultWorld, type FaultWorld } from './fault-world.js';
import { runScenario } from './scenario-kit.js';
import { expectThat, type Scenario } from './scenario.js';
import { Seeded } from './seeded-random.js';

let world: FaultWorld | undefined;
test.before(async () => { world = await startFaultWorld(); });
test.after.always(async () => { await world?.close(); });

function scenario(kind: MalformedReplyKind): Scenario {
  return {
    id: `KP-${kind}`,
    title: `getKeyPair answered ${kind}, carrying the keys`,
    async run(w, seed) {
      const rnd = new Seeded(seed, `KP-${kind}`);
      const r = await runScenario(w, `kp-${kind}-s${seed}`, rnd, {
        site: { task: { taskId: 9113, events: 12, simulatorArgs: '--timePerEventMs=10' }, auth: seed % 2 === 0 ? 'x509' : 'token' },
        drive: async (d) => { d.site.dispatcher.injectFault({ command: 'getKeyPair', kind, times: 2 }); },
        expect: (h) => [
          ...expectThat(h.dispatcherFaults.filter((f) => f.command === 'getKeyPair').length >= 1, `KP: no malformed getKeyPair reply was produced (${kind})`),
          ...expectThat(h.snapshot.jobUpdates.some((u) => u.state === 'failed' || u.state === 'finished'), 'KP: the job got no final state'),
        ],
      });
      return { reports: [r.report], note: kind };
    },
  };
}

for (const kind of MALFORMED_REPLY_KINDS) {
  test.serial(`getKeyPair answered ${kind} with the keys in it: the S3 secret appears nowhere (I6), no invariant violated`, async (t) => {
    const r = await runSeed(world!, scenario(kind), 1);
    t.log(describeSeed(r));
    const v = violationsOf(r);
    if (v.length) world!.keep = true;
    t.deepEqual(v, []);
  });
}
