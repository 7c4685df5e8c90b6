/**
 * The fault suite in CI (`npm test`): R1–R12 against the real pilot (a child process), the
 * embedded dispatcher, Swift through a fault proxy and file stores, each scenario with its
 * default seeds; every run's history is checked for I1–I6 and must have no violation.
 * `ESPILOT_FAULT_SEEDS=N` runs seeds 1..N instead (or use `npm run test:faults -- --seeds N`).
 */
import test from 'ava';
import { describeSeed, runSeed, seedList, seedsFor, violationsOf } from './fault-suite.js';
import { faultTimings } from './fault-config.js';
import { startFaultWorld, type FaultWorld } from './fault-world.js';
import { SCENARIOS } from './scenarios/index.js';

let world: FaultWorld | undefined;
const envSeeds = Number(process.env['ESPILOT_FAULT_SEEDS'] ?? '');
const seeds = Number.isInteger(envSeeds) && envSeeds > 0 ? seedList(envSeeds) : undefined;

test.before(async () => {
  world = await startFaultWorld();
});

test.after.always(async () => {
  await world?.close();
});

for (const s of SCENARIOS) {
  test.serial(`${s.id}: ${s.title}: no invariant violated on any seed`, async (t) => {
    // At worst every seed's pilot and recovery run to the hard limit (on this machine's pace),
    // R9 runs two sites: ava's inactivity timeout must not cut a slow but live scenario short.
    const list = seedsFor(s, seeds);
    const at = faultTimings();
    t.timeout(list.length * 2 * (2 * at.hardLimitMs + at.driverWaitMs), `${s.id}: ${list.length} seed(s), each within 2 × (pilot and recovery hard limits ${at.hardLimitMs} ms + driver wait)`);
    for (const seed of list) {
      const r = await runSeed(world!, s, seed);
      t.log(describeSeed(r));
      const v = violationsOf(r);
      // Keep the runs' folders (work directory, logs, traces) of a failing seed for a look.
      if (v.length) world!.keep = true;
      t.deepEqual(v, [], `${s.id} seed ${seed}`);
    }
  });
}
