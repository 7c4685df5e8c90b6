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
  // Slurm ends the job at its time limit; the test waits that long, its kill wait and a margin.
  t.timeout(((setup.timeLimitMin ?? 5) * 60 + 120) * 1000, 'the Slurm job\'s time limit');
  const job = await SlurmHpcJob.submit(slurm, setup);
  t.teardown(() => job.dispose());
  return job;
}

function esJob(s: DispatcherSnapshot) {
  return s.jobs.find((j) => j.kind === 'es')!;
}

/**
 * Every range an ES job (any attempt) was given has exactly one final report, and a range
 * finished in no more than one attempt; @returns the range IDs by final status.
 */
function accounted(t: ExecutionContext, s: DispatcherSnapshot): { ids: string[]; finished: string[]; failed: string[] } {
  const ids = s.jobs.filter((j) => j.kind === 'es').flatMap((j) => dispatchedIds(s, j.pandaId));
  const reports = finalReports(s);
  for (const id of ids) t.is(reports.get(id)?.length, 1, `${id}: ${JSON.stringify(reports.get(id))}`);
  for (const r of s.ranges) t.true(r.reports.filter((x) => x.status === 'finished').length <= 1, `range ${r.key}: ${JSON.stringify(r.reports)}`);
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
  // Every update of the ES job (heartbeats and the final one) names the Slurm job that ran it.
  const updates = s.jobUpdates.filter((u) => u.pandaId === esJob(s).pandaId);
  t.true(updates.some((u) => u.state === 'running'));
  for (const u of updates) t.deepEqual([u.batchID, u.pilotID?.split('|')[1]], [job.jobId, 'SLURM'], JSON.stringify(u));
  // Slurm ran the four instances as steps of this job, two on each node (srun --relative).
  const launched = await Promise.all(slurm.nodes.map(async (n) => (await readFile(join(slurm.dir, 'log', `slurmd-${n}.log`), 'utf8')).split('\n').filter((l) => l.includes(`launch task StepId=${job.jobId}.`)).length));
  t.deepEqual(launched, [2, 2], 'steps per node');
  // Each instance simulated with its own --jobNumber ((attemptNr − 1) × 4 + i + 1).
  const numbers = await Promise.all([0, 1, 2, 3].map(async (i) => /jobNumber=(\d+)/.exec(await job.instanceStdout(i))?.[1]));
  t.deepEqual(numbers, ['1', '2', '3', '4']);
  // Every instance is its own step (SLURM_PROCID is 0 in each): the pilot, not the rank, tells them apart.
  const steps = await Promise.all([0, 1, 2, 3].map(async (i) => /slurm step (\d+)/.exec(await job.instanceStdout(i))?.[1]));
  t.is(new Set(steps.filter((x) => x !== undefined)).size, 4, JSON.stringify(steps));
});

test.serial('mpirun: each instance an OpenMPI launch inside the allocation; every range finished once, merged and verified', async (t) => {
  // As root OpenMPI wants both variables; --bind-to none: the instances share the node's cores.
  const launchTemplate = 'OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -np 1 --bind-to none /bin/sh -c {command}';
  const job = await submit(t, { taskId: 902, files: 2, events: 12, timePerEventMs: 100, hpc: { launchTemplate, instancesPerNode: 1 } });
  const rec = await job.waitEnd();
  const out = await job.output();
  t.deepEqual([rec.state, rec.exitCode], ['COMPLETED', '0:0'], out);
  t.regex(out, /serving 2 payload instance\(s\)/);
  const s = job.dispatcher.snapshot();
  const { ids, finished } = accounted(t, s);
  t.is(ids.length, 24);
  t.deepEqual(finished.sort(), [...ids].sort());
  await storedAndVerified(t, job, s, finished);
  await mergedAndVerified(t, job, s, finished);
  // mpirun started each instance as rank 0 of its own world (the simulator saw OpenMPI's
  // variables). Which instance got ranges is the machine's business: one that starts after the
  // other has done the task is stopped unconnected, with nothing to print.
  const working = [];
  for (const i of [0, 1]) {
    if ((await job.trace(i)).length === 0) continue;
    working.push(i);
    t.regex(await job.instanceStdout(i), /ompi rank 0/, `instance ${i}`);
  }
  t.true(working.length >= 1);
});

test.serial('scancel of one instance\'s step: exactly the ranges it held fail (1227), the others finish the job; merged and verified', async (t) => {
  // Instance 1 of the first attempt (--jobNumber 2) takes one range and sits on it, so it
  // certainly holds it when Slurm kills the step. The failed range is retried by the server in
  // a second ES job, then the merge job: three jobs.
  const launchTemplate = `SIM_SLOW=$([ {jobNumber} = 2 ] && echo --timePerEventMs=600000) ${EXAMPLE_TEMPLATE}`;
  const job = await submit(t, { taskId: 903, files: 2, events: 8, timePerEventMs: 100, simulatorArgs: '$SIM_SLOW', hpc: { launchTemplate }, maxJobs: 3 });
  const held = await job.until(async () => (await job.trace(1)).some((e) => e.e === 'received'));
  t.true(held, `instance 1 got a range\n${await job.output()}`);
  const step = (await slurm.steps(job.jobId)).find((st) => st.name === 'espilot-1');
  t.truthy(step, JSON.stringify(await slurm.steps(job.jobId)));
  await slurm.run('scancel', [step!.id]);
  const rec = await job.waitEnd();
  const heldIds = (await job.trace(1)).filter((e) => e.e === 'received').map((e) => e.id!);
  const out = await job.output();
  t.deepEqual([rec.state, rec.exitCode], ['COMPLETED', '0:0'], out);
  const s = job.dispatcher.snapshot();
  const { ids, finished, failed } = accounted(t, s);
  t.deepEqual(failed.sort(), [...heldIds].sort(), 'the killed step\'s ranges, and only those, failed');
  t.true(s.rangeUpdates.filter((u) => u.eventStatus === 'failed').every((u) => u.errorCode === 1227));
  t.is(finished.length + failed.length, ids.length);
  t.is(finished.length, 16, 'every range finished once: the failed one in the retry');
  t.is(s.task.status, 'done');
  // Either the others were still working when Slurm killed the step, or (on a loaded node,
  // where scancel is slow) they had already ended with no more events: the range fails either way.
  t.regex(out, /payload instance 1 ended holding 1 range\(s\): reported failed; the other 3 instance\(s\) continue|payload instance 1 \(pid \d+\) ended: exit code 137; 0 still running[\s\S]*1 range\(s\) in flight when the payload ended are reported failed/);
  await storedAndVerified(t, job, s, finished);
  await mergedAndVerified(t, job, s, finished);
});

test.serial('an instance whose step never connects: the others finish every range, the silent step is stopped at the end', async (t) => {
  const launchTemplate = EXAMPLE_TEMPLATE.replace('/bin/sh -c {command}', '/bin/sh -c "[ {instance} = 3 ] && exec sleep 600; "{command}');
  const job = await submit(t, { taskId: 904, files: 2, events: 6, hpc: { launchTemplate } });
  const rec = await job.waitEnd();
  const out = await job.output();
  t.deepEqual([rec.state, rec.exitCode], ['COMPLETED', '0:0'], out);
  const s = job.dispatcher.snapshot();
  const { ids, finished } = accounted(t, s);
  t.is(ids.length, 12);
  t.deepEqual(finished.sort(), [...ids].sort());
  t.deepEqual(await job.trace(3), [], 'instance 3 never took part');
  // Stopping the silent step is the pilot's doing, not a payload failure.
  t.regex(out, /payload instance\(s\) 3 never connected and there are no more events for them: stopping them/);
  t.is(s.task.status, 'done');
  t.is(await slurm.steps(job.jobId).then((st) => st.length), 0);
  await storedAndVerified(t, job, s, finished);
  await mergedAndVerified(t, job, s, finished);
});

test.serial('the time limit approaching: Slurm\'s --signal (USR1 before the limit) drains the pilot, which ends before the limit; every range handed out ends once', async (t) => {
  // A task far longer than the two-minute limit (4 instances × 1 s per range × 480 ranges);
  // Slurm signals 50 s before the limit (within its ~30 s check period): at least 40 s after the
  // start, so even a loaded node has handed out ranges when the pilot drains.
  const job = await submit(t, { taskId: 905, files: 2, events: 240, timePerEventMs: 1000, maxJobs: 1, timeLimitMin: 2, signalBeforeS: 50 });
  const rec = await job.waitEnd();
  const out = await job.output();
  t.deepEqual([rec.state, rec.exitCode], ['COMPLETED', '0:0'], `the pilot ended before the limit (not TIMEOUT)\n${out}`);
  t.regex(out, /SIGUSR1 received: no new events, draining/);
  const s = job.dispatcher.snapshot();
  // The ranges the instances received (their own traces) end exactly once; the ranges the
  // pilot fetched but never handed out are not reported: the server gives them to another job.
  const handed = new Set((await Promise.all([0, 1, 2, 3].map((i) => job.trace(i)))).flat().filter((e) => e.e === 'received').map((e) => e.id!));
  const reports = finalReports(s);
  const ids = dispatchedIds(s, esJob(s).pandaId);
  for (const id of ids) t.is(reports.get(id)?.length ?? 0, handed.has(id) ? 1 : 0, `${id}: ${JSON.stringify(reports.get(id))}`);
  t.true(handed.size >= 4 && handed.size < 480, `the drain stopped the job short of the task (${handed.size} ranges handed out)`);
  const finished = ids.filter((id) => reports.get(id)?.[0] === 'finished');
  t.true(finished.length >= 1);
  await storedAndVerified(t, job, s, finished);
});

test.serial('the pilot\'s batch step killed mid-job: `espilot recover` finishes what its journal holds, each range once', async (t) => {
  const job = await submit(t, { taskId: 906, files: 2, events: 24, timePerEventMs: 150, maxJobs: 1 });
  const midRun = await job.until(async () => [...((await job.journal())?.ranges.values() ?? [])].filter((r) => r.outcome).length >= 6);
  t.true(midRun, `the job was mid-run when the pilot was killed\n${await job.output()}`);
  await slurm.run('scancel', ['--batch', '--signal=KILL', job.jobId]);
  const rec = await job.waitEnd();
  t.not(rec.state, 'COMPLETED', 'the batch step died');
  const atDeath = (await job.journal())!;
  t.false(atDeath.closed, 'the dead pilot left work in its journal');
  const r = await runCli(['recover', '--config', job.siteFile, '--workdir', job.site.workdir, '--log-level', 'warn']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const s = job.dispatcher.snapshot();
  for (const range of s.ranges) t.true(range.reports.length <= 1, `range ${range.key}: ${range.reports.length} applied reports`);
  const after = (await job.journal())!;
  t.true(after.closed, 'the recovery left nothing in the journal');
  t.deepEqual(pendingWork(after).report, []);
  t.deepEqual(pendingWork(after).upload, []);
  const outLfn = String(esJob(s).definition['outFiles']).split(',')[0]!;
  let outputs = 0;
  for (const st of after.ranges.values()) {
    const applied = s.ranges.find((x) => x.eventRangeId === st.range.id)?.reports ?? [];
    if (!st.outputs) {
      t.is(applied.length, 0, `range ${st.range.id} without output is left to the server`);
      continue;
    }
    outputs++;
    t.deepEqual(applied.map((a) => a.status), ['finished'], `range ${st.range.id}`);
    const bytes = await readFile(join(job.site.osDir, 'es', `${outLfn}.${st.range.id}`));
    t.is(st.stored?.[0]?.checksum, `ad:${formatAdler32(adler32(bytes))}`);
  }
  t.true(outputs >= 6);
});
