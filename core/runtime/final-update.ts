import { hostname } from 'node:os';
import type { JobDefinition } from '../contracts/job-definition.js';
import type { JobUpdate } from '../contracts/panda-api.js';
import type { JobOutcome } from '../contracts/run-job.js';
import { pilotIdentity } from './pilot-identity.js';

/**
 * The final updateJob of a job from its outcome (state, codes, cpu/wall, nEvents, start/end),
 * with what the server needs to close it (pilot3 `get_data_structure`): the stored files for
 * `xml` (the Adder fails a finished job whose outputs are not listed), the job report as
 * `metaData`, `jobMetrics`, `pilotID` / `batchID` / `schedulerID`, and `siteName` = the
 * queue. An Event Service job that ends `holding` (outputs or range reports still to
 * deliver) is reported `transferring`: the server takes range updates only while a job is
 * sent, starting, running or transferring, and the recovery that finishes the job still has
 * to send them.
 */
export function finalJobUpdate(job: JobDefinition, outcome: JobOutcome, queueName?: string, env: NodeJS.ProcessEnv = process.env): JobUpdate {
  const id = pilotIdentity(env);
  return {
    pandaId: job.pandaId,
    state: outcome.state === 'holding' && job.eventService ? 'transferring' : outcome.state,
    pilotErrorCode: outcome.pilotErrorCode,
    pilotErrorDiag: outcome.pilotErrorDiag,
    transExitCode: outcome.transExitCode,
    ...(outcome.exeErrorCode !== undefined ? { exeErrorCode: outcome.exeErrorCode } : {}),
    ...(outcome.exeErrorDiag ? { exeErrorDiag: outcome.exeErrorDiag } : {}),
    cpuConsumptionTime: Math.round(outcome.cpuConsumptionTime),
    coreCount: job.coreCount,
    nEvents: outcome.nEvents,
    nInputFiles: job.inputFiles.length,
    startTime: outcome.startTime,
    endTime: outcome.endTime,
    attemptNr: job.attemptNr,
    node: hostname(),
    ...(queueName ? { siteName: queueName } : {}),
    pilotId: id.pilotId,
    schedulerId: id.schedulerId,
    ...(id.batchId !== undefined ? { batchId: id.batchId } : {}),
    // pilot3 stages out only the log of an ES job (`job.stageout = 'log'`): its xml lists that alone.
    outputFiles: (outcome.outputs ?? []).filter((f) => !job.eventService || f.kind === 'log'),
    ...(outcome.metaData ? { metaData: outcome.metaData } : {}),
    ...(outcome.resources ? { resources: outcome.resources.fields } : {}),
    jobMetrics: jobMetrics(job, outcome),
  };
}

/**
 * pilot3's `jobMetrics`: space-separated `name=value`, only values that are set; the resource
 * monitor's entries (`actualCoreCount`, `leak`) follow.
 */
export function jobMetrics(job: JobDefinition, outcome: JobOutcome): string {
  const entries: [string, number | undefined][] = [
    ['coreCount', job.coreCount],
    ['nEvents', outcome.nEvents > 0 ? outcome.nEvents : undefined],
  ];
  const own = entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ');
  return [own, outcome.resources?.jobMetrics].filter(Boolean).join(' ');
}
