import { hostname } from 'node:os';
import type { JobDefinition } from '../contracts/job-definition.js';
import type { JobUpdate } from '../contracts/panda-api.js';
import type { JobOutcome } from '../contracts/run-job.js';
import { usageUpdateFields } from './monitors/job-monitors.js';

/**
 * The final updateJob of a job from its outcome (state, codes, cpu/wall, nEvents, start/end).
 * An Event Service job that ends `holding` (outputs or range reports still to deliver) is
 * reported `transferring`: the server takes range updates only while a job is sent, starting,
 * running or transferring, and the recovery that finishes the job still has to send them.
 */
export function finalJobUpdate(job: JobDefinition, outcome: JobOutcome, siteName?: string): JobUpdate {
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
    ...(siteName ? { siteName } : {}),
    ...usageUpdateFields(outcome.resources),
  };
}
