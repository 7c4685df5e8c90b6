import test from 'ava';
import type { JobDefinition } from '../../../core/index.js';
import { instanceCount, instanceJob, instanceNode, parseHpcEventOptions, readBatchAllocation } from '../../../plugins/runjob-hpc-event/index.js';

const job = (jobParameters: string, attemptNr = 1) => ({ pandaId: '1', jobParameters, attemptNr, coreCount: 8 }) as unknown as JobDefinition;

test('each instance gets a distinct --jobNumber, across attempts too; other parameters untouched', (t) => {
  const hpc = parseHpcEventOptions({ instances: 3, coresPerInstance: 2 });
  const pars = '--inputEVNTFile=a.root --jobNumber=7 --maxEvents=10';
  t.deepEqual([0, 1, 2].map((i) => instanceJob(job(pars), hpc, 3, i).jobParameters), [1, 2, 3].map((n) => `--inputEVNTFile=a.root --jobNumber=${n} --maxEvents=10`));
  t.is(instanceJob(job('--jobNumber 7 --x', 2), hpc, 3, 0).jobParameters, '--jobNumber 4 --x', 'attempt 2 continues after attempt 1');
  t.is(instanceJob(job(pars), hpc, 3, 0).coreCount, 2);
  t.is(instanceJob(job('--noJobNumber'), hpc, 3, 1).jobParameters, '--noJobNumber');
  const asGiven = parseHpcEventOptions({ jobNumbers: 'as-given' });
  t.is(instanceJob(job(pars), asGiven, 3, 2).jobParameters, pars);
  t.is(instanceJob(job(pars), asGiven, 3, 2).coreCount, 8, 'default: the job\'s coreCount');
});

test('instances per node of a Slurm allocation, and which node each one belongs on', (t) => {
  const alloc = readBatchAllocation({ SLURM_JOB_ID: '42', SLURM_JOB_NUM_NODES: '3', SLURM_JOB_NODELIST: 'n[1-3]' });
  t.like(alloc, { jobId: '42', nodes: 3, nodeList: 'n[1-3]' });
  const perNode = parseHpcEventOptions({ instancesPerNode: 2 });
  t.is(instanceCount(perNode, alloc), 6);
  t.deepEqual([0, 1, 2, 3, 4, 5].map((i) => instanceNode(perNode, alloc, i)), [0, 0, 1, 1, 2, 2]);
  const fixed = parseHpcEventOptions({ instances: 4 });
  t.deepEqual([0, 1, 2, 3].map((i) => instanceNode(fixed, alloc, i)), [0, 1, 2, 0]);
  t.is(instanceNode(fixed, undefined, 3), 0);
  t.is(readBatchAllocation({}), undefined);
  t.throws(() => instanceCount(perNode, undefined), { message: /instancesPerNode: expected a batch allocation/ });
  t.throws(() => readBatchAllocation({ SLURM_JOB_ID: '42', SLURM_JOB_NUM_NODES: 'many' }), { message: /SLURM_JOB_NUM_NODES: expected .* found "42" \/ "many"/ });
});
