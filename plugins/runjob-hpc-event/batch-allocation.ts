/**
 * The batch allocation the pilot runs in, read once from the environment Slurm gives the
 * batch script (`SLURM_JOB_ID`, `SLURM_JOB_NUM_NODES`, `SLURM_JOB_NODELIST`; OpenMPI's
 * mpirun inside it reads the same). Instances are told apart by the pilot, not by rank:
 * every instance is its own launch (one srun step or one `mpirun -np 1`), so SLURM_PROCID
 * and OMPI_COMM_WORLD_RANK are 0 in each; the pilot renders each launch with the instance's
 * own endpoint (`PILOT_EVENTRANGECHANNEL`) and number (`ESPILOT_INSTANCE`).
 */
import { ErrorCodes, PilotError } from '../../core/index.js';

export interface BatchAllocation {
  readonly system: 'slurm';
  readonly jobId: string;
  readonly nodes: number;
  readonly nodeList: string;
}

/** @throws PilotError BADQUEUECONFIGURATION (1341) when Slurm's variables are there but malformed. */
export function readBatchAllocation(env: NodeJS.ProcessEnv): BatchAllocation | undefined {
  const jobId = env['SLURM_JOB_ID'] ?? env['SLURM_JOBID'];
  if (!jobId) return undefined;
  const rawNodes = env['SLURM_JOB_NUM_NODES'] ?? env['SLURM_NNODES'] ?? '';
  const nodes = Number(rawNodes);
  if (!/^\d+$/.test(jobId) || !Number.isInteger(nodes) || nodes < 1) {
    throw new PilotError(ErrorCodes.BADQUEUECONFIGURATION, `SLURM_JOB_ID / SLURM_JOB_NUM_NODES: expected a job id and a node count, found ${JSON.stringify(jobId)} / ${JSON.stringify(rawNodes)}`, { recoverable: false });
  }
  return Object.freeze({ system: 'slurm', jobId, nodes, nodeList: env['SLURM_JOB_NODELIST'] ?? '' });
}
