/**
 * RunJob `hpc-event` on a real batch system: a two-node Slurm on localhost (slurm-cluster.ts),
 * the README's sbatch script (examples/hpc-slurm) submitted as a site would, the pilot in the
 * batch step starting every payload instance as its own `srun` step (one through OpenMPI's
 * `mpirun`), the embedded dispatcher and a `file://` site. Failures come from Slurm itself:
 * a step scancelled, the time limit's `--signal`, a step that never connects, the pilot's
 * batch step killed. Every range must end exactly once. Serial: one cluster, and the
 * scenarios need the machine's two cores.
 */
import test, { type ExecutionContext } from 'ava';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { adler32, formatAdler32, pendingWork } from '../../../core/index.js';
import type { DispatcherSnapshot } from '../../../plugins/panda-local/index.js';
import { verifyMergedOutput, verifySimulatorOutput } from '../../../plugins/payload-simulator/index.js';
import { dispatchedIds, finalReports } from '../../helpers/es-job-harness.js';
import { runCli } from '../../helpers/run-cli.js';
import { startSlurm, type SlurmCluster } from '../../helpers/slurm-cluster.js';
import { SlurmHpcJob, type SlurmHpcSetup } from '../../helpers/slurm-hpc-job.js';

let slurm: SlurmCluster;
test.before(async () => { slurm = await startSlurm({ nodes: 2, cpusPerNode: 4 }); });
test.after.always(() => slurm?.stop());

/** The example's launch template with `prefix` before it (a test's per-instance variables). */
const EXAMPLE_TEMPLATE = 'srun --exclusive --nodes=1 --ntasks=1 --cpus-per-task={cores} --relative={node} --job-name=espilot-{instance} /bin/sh -c {command}';

async function submit(t: ExecutionContext, setup: SlurmHpcSetup): Promise<SlurmHpcJob> {
  const job = await SlurmHpcJob.submit(slurm, setup);
  t.teardown(() => job.dispose());
  return job;
}

function esJob(s: DispatcherSnapshot) {
  return s.jobs.find((j) => j.kind === 'es')!;
}

/** Every range the ES job was given has exactly one final report; @returns them by status. */
function accounted(t: ExecutionContext, s: DispatcherSnapshot): { ids: string[]; finished: string[]; failed: string[] } {
  const ids = dispatchedIds(s, esJob(s).pandaId);
  const reports = finalReports(s);
  for (const id of ids) t.is(reports.get(id)?.length, 1, `${id}: ${JSON.stringify(reports.get(id))}`);
  for (const r of s.ranges) t.true(r.reports.length <= 1, `range ${r.key}: ${r.reports.length} applied reports`);
  return { ids, finished: ids.filter((id) => reports.get(id)?.[0] === 'finished'), failed: ids.filter((id) => reports.get(id)?.[0] === 'failed') };
}

/** The finished ranges' objects are in the object store with the simulator's exact bytes. */
async function storedAndVerified(t: ExecutionContext, job: SlurmHpcJob, s: DispatcherSnapshot, finished: readonly string[]): Promise<void> {
  const outLfn = String(esJob(s).definition['outFiles']).split(',')[0]!;
  const objects = (await readdir(join(job.site.osDir, 'es'))).filter((f) => !f.startsWith('.')).sort();
  t.deepEqual(objects, finished.map((id) => `${outLfn}.${id}`).sort());
  for (const id of finished) {
    const check = verifySimulatorOutput(await readFile(join(job.site.osDir, 'es', `${outLfn}.${id}`)), { eventRangeId: id });
    t.true(check.ok, `${id}: ${JSON.stringify(check)}`);
  }
}

/** The merge job staged the finished ranges' objects in and stored one verified merged file. */
async function mergedAndVerified(t: ExecutionContext, job: SlurmHpcJob, s: DispatcherSnapshot, finished: readonly string[]): Promise<void> {
  const outLfn = String(esJob(s).definition['outFiles']).split(',')[0]!;
  t.is(s.jobs.find((j) => j.kind === 'merge')?.status, 'finished');
  const merged = await readFile(join(job.site.seDir, outLfn));
  const v = verifyMergedOutput(merged);
  t.true(v.ok, JSON.stringify(v));
  if (v.ok) t.deepEqual(v.header.ranges.map((r) => r.eventRangeID).sort(), [...finished].sort());
}

test.serial('srun: one step per instance across both nodes, distinct --jobNumber, every range finished once, merged and verified', async (t) => {
  const job = await submit(t, { taskId: 901, files: 2, events: 8 });
  const rec = await job.waitEnd();
  const out = await job.output();
  t.deepEqual([rec.state, rec.exitCode], ['COMPLETED', '0:0'], out);
  t.regex(out, /serving 4 payload instance\(s\)/, 'instancesPerNode 2 × 2 nodes');
  const s = job.dispatcher.snapshot();
  const { ids, finished } = accounted(t, s);
  t.is(ids.length, 16);
  t.deepEqual(finished.sort(), [...ids].sort());
  await storedAndVerified(t, job, s, finished);
  await mergedAndVerified(t, job, s, finished);
  t.is(s.task.status, 'done');
  // Slurm ran the four instances as steps of this job, two on each node (srun --relative).
  const launched = await Promise.all(slurm.nodes.map(async (n) => (await readFile(join(slurm.dir, 'log', `slurmd-${n}.log`), 'utf8')).split('\n').filter((l) => l.includes(`launch task StepId=${job.jobId}.`)).length));
  t.deepEqual(launched, [2, 2], 'steps per node');
  // Each instance simulated with its own --jobNumber ((attemptNr − 1) × 4 + i + 1).
  const numbers = await Promise.all([0, 1, 2, 3].map(async (i) => /jobNumber=(\d+)/.exec(await job.instanceStdout(i))?.[1]));
  t.deepEqual(numbers, ['1', '2', '3', '4']);
});
