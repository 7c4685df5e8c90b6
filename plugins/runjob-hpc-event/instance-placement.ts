/**
 * Where the M payload instances go and what makes each one distinct. The instance count is
 * `instances`, or `instancesPerNode` × the allocation's node count when that option is set
 * (read once from the batch system's environment, batch-allocation.ts). Every instance gets
 * its own job definition: `coreCount` = `coresPerInstance` (default the job's), and a distinct `--jobNumber`,
 * `(attemptNr − 1) × M + i + 1` as Raythena does (ray #56/#58), because the transform seeds
 * its random numbers from it: M instances with the job's one number simulate the same events.
 * Each is placed on a node of the allocation (`{node}` in the launch template).
 */
import { ErrorCodes, PilotError, type JobDefinition } from '../../core/index.js';
import type { BatchAllocation } from './batch-allocation.js';
import type { HpcEventOptions } from './hpc-event-options.js';

/** @throws PilotError BADQUEUECONFIGURATION (1341) when instancesPerNode is set outside an allocation. */
export function instanceCount(hpc: HpcEventOptions, allocation: BatchAllocation | undefined): number {
  if (hpc.instancesPerNode === undefined) return hpc.instances;
  if (!allocation) {
    throw new PilotError(ErrorCodes.BADQUEUECONFIGURATION, 'pluginOptions.hpc-event.instancesPerNode: expected a batch allocation (SLURM_JOB_NUM_NODES), found none; set instances instead', { recoverable: false });
  }
  return allocation.nodes * hpc.instancesPerNode;
}

/**
 * The allocation node (0-based, srun's `--relative`) instance i belongs on: `instancesPerNode`
 * consecutive instances per node, else round robin; 0 outside an allocation.
 */
export function instanceNode(hpc: HpcEventOptions, allocation: BatchAllocation | undefined, instance: number): number {
  if (!allocation) return 0;
  return hpc.instancesPerNode !== undefined ? Math.floor(instance / hpc.instancesPerNode) : instance % allocation.nodes;
}

/** Instance i's `--jobNumber`: distinct across the instances of one attempt and across attempts. */
export function instanceJobNumber(attemptNr: number, instances: number, instance: number): number {
  return (Math.max(1, attemptNr) - 1) * instances + instance + 1;
}

const JOB_NUMBER = /(^|\s)--jobNumber(=|\s+)\S+/;

/**
 * The job as instance i runs it. `--jobNumber` in the parameters is replaced; a job without
 * one is left alone (its payload has no such argument), and `jobNumbers: 'as-given'` keeps it.
 */
export function instanceJob(job: JobDefinition, hpc: HpcEventOptions, instances: number, instance: number): JobDefinition {
  const n = instanceJobNumber(job.attemptNr, instances, instance);
  const jobParameters = hpc.jobNumbers === 'per-instance' ? job.jobParameters.replace(JOB_NUMBER, (_m, lead: string, sep: string) => `${lead}--jobNumber${sep}${n}`) : job.jobParameters;
  return Object.freeze({ ...job, jobParameters, coreCount: hpc.coresPerInstance ?? job.coreCount });
}
