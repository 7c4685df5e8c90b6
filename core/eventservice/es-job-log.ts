/**
 * An ES job's log, for the live runner and the recovery alike: the job directory packed
 * without the range outputs the payload reported (they are data, stored per range), stored
 * like every job's log (core storeJobLog) and listed in the outcome's outputs (the final
 * updateJob's xml). A log that cannot be stored fails a job that would have finished.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { JobOutcome, RunJobContext } from '../contracts/run-job.js';
import type { Logger } from '../logging/logger.js';
import { storeJobLog } from '../staging/job-log.js';
import { storedOutputs } from '../staging/stored-outputs.js';

export async function withEsJobLog(
  outcome: JobOutcome, ctx: Pick<RunJobContext, 'job' | 'workdir' | 'binding'>, outputPaths: readonly string[], env: Record<string, string>, log: Logger,
): Promise<JobOutcome> {
  const { job, workdir, binding } = ctx;
  if (!job.logFile) return outcome;
  const data = new Set(outputPaths.map((p) => relative(workdir, resolve(workdir, p))).filter((r) => r && !r.startsWith('..') && !isAbsolute(r)));
  const { error, stored } = await storeJobLog({ binding, jobDir: workdir, log }, job, data, env);
  // The final updateJob's xml lists the stored log (an ES job's only file there, as in pilot3).
  const withLog = stored ? Object.freeze({ ...outcome, outputs: [...(outcome.outputs ?? []), ...storedOutputs(job, 'log', [job.logFile], [stored])] }) : outcome;
  if (!error || outcome.state !== 'finished') return withLog;
  return Object.freeze({ ...withLog, state: 'failed', pilotErrorCode: error.code, pilotErrorDiag: error.diagnostic.slice(0, 250) });
}
