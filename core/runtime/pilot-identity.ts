/**
 * Who runs the job, as pilot3 reports it in getJob/updateJob (`add_data_structure_ids`,
 * `pilot/util/auxiliary.py` `get_batchsystem_jobid`): `pilotID` is
 * `<GTAG>|<batch system>|<version tag>|<pilot version>` (without the batch system when none
 * is known), `batchID` the batch system's job id, `schedulerID` `PANDA_JSID`.
 */
import { readFileSync } from 'node:fs';

/** pilot3's batch system variables, in its order: the first one set names the system. */
const BATCH_SYSTEMS: readonly (readonly [string, string])[] = [
  ['QSUB_REQNAME', 'BQS'], ['BQSCLUSTER', 'BQS'], ['PBS_JOBID', 'Torque'], ['LSB_JOBID', 'LSF'], ['JOB_ID', 'Grid Engine'],
  ['clusterid', 'Condor'], ['SLURM_JOB_ID', 'SLURM'], ['K8S_JOB_ID', 'Kubernetes'],
];

/** pilot3's version tag for production pilots. */
const VERSION_TAG = 'PR';
const PILOT_VERSION = 'espilot';

export interface PilotIdentity {
  readonly pilotId: string;
  readonly batchId?: string;
  readonly schedulerId: string;
}

/** From the pilot's environment; never throws (an unreadable condor job ad is no batch id). */
export function pilotIdentity(env: NodeJS.ProcessEnv): PilotIdentity {
  const batch = batchSystemJob(env);
  const gtag = env['GTAG'] || 'unknown';
  return Object.freeze({
    pilotId: batch ? `${gtag}|${batch.system}|${VERSION_TAG}|${PILOT_VERSION}` : `${gtag}|${VERSION_TAG}|${PILOT_VERSION}`,
    ...(batch ? { batchId: batch.id } : {}),
    schedulerId: env['PANDA_JSID'] || 'unknown',
  });
}

/** The batch system and its job id, or undefined outside any known one. */
export function batchSystemJob(env: NodeJS.ProcessEnv): { readonly system: string; readonly id: string } | undefined {
  for (const [name, system] of BATCH_SYSTEMS) if (env[name] !== undefined) return { system, id: env[name]! };
  const ad = env['_CONDOR_JOB_AD'];
  if (ad) {
    try {
      const m = /^GlobalJobId\s*=\s*"?([^"\n]+)"?\s*$/m.exec(readFileSync(ad, 'utf8'));
      if (m) return { system: 'Condor', id: m[1]!.trim() };
    } catch {
      // pilot3 logs and goes on without a batch id.
    }
  }
  return undefined;
}
