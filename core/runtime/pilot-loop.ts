/**
 * The pilot's outer loop: preflight, then getJob → runJob until the server has no job, the
 * job limit is reached, the pilot's lifetime cannot fit another job (`PilotLifetime`), or a
 * signal asks the pilot to stop. Each job is drained before the lifetime ends.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PandaApi, type GetJobRequest } from '../contracts/panda-api.js';
import { localWriteError } from '../errors/disk-errors.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { JobDefinitionError } from '../panda/job-definition-parser.js';
import { assertPreflight } from '../select/preflight.js';
import type { PilotRun } from './create-run.js';
import { JobControlSource, installSignalHandlers } from './job-control-source.js';
import { runJob, type JobRunResult } from './job-runner.js';
import { PilotLifetime } from './monitors/pilot-lifetime.js';
import { PRIVATE_DIR_MODE } from '../state/state-file.js';

export interface PilotLoopOptions {
  readonly run: PilotRun;
  readonly api: PandaApi;
  readonly request: GetJobRequest;
  /** Jobs to run at most (default 1). */
  readonly maxJobs?: number;
  /**
   * pilot3 multi-job mode (queuedata `timefloor`, seconds): after a job, another is asked for
   * only while less than this has passed since the pilot started. Undefined: `maxJobs` alone decides.
   */
  readonly timefloorS?: number;
  /** When the pilot started (its lifetime counts from here); default: when the loop starts. */
  readonly startedAt?: number;
  /** Handle SIGTERM/SIGINT/... (default true; tests that run several pilots in one process pass false). */
  readonly handleSignals?: boolean;
  /** Job control for the first job (tests drive softkill/kill through it). */
  readonly control?: JobControlSource;
}

export interface RejectedJob {
  readonly pandaId: string;
  readonly code: number;
  readonly diagnostic: string;
}

export interface PilotLoopResult {
  readonly pilotDir: string;
  readonly jobs: readonly JobRunResult[];
  /** Jobs whose definition could not be parsed; each was reported failed. */
  readonly rejected: readonly RejectedJob[];
  /** Why the loop ended. */
  readonly ended: 'no-job' | 'max-jobs' | 'time-limit' | 'signal';
}

export async function runPilotLoop(o: PilotLoopOptions): Promise<PilotLoopResult> {
  const { run } = o;
  const log = run.logger.child('pilot');
  assertPreflight(run.settings, run.registry, run.resolver);
  run.resolver.provide(PandaApi, o.api);
  const pilotDir = resolve(run.settings.pilot.workdir, `pilot-${process.pid}-${Date.now()}`);
  // No job is taken on a disk that cannot hold the pilot's own directory: a clear NOLOCALSPACE, no stack.
  await mkdir(pilotDir, { recursive: true, mode: PRIVATE_DIR_MODE }).catch((err: unknown) => { throw localWriteError(err, `pilot directory ${pilotDir}`); });
  await writeFile(join(pilotDir, 'pilot.pid'), `${process.pid}\n`, { mode: 0o600 }).catch((err: unknown) => { throw localWriteError(err, `${join(pilotDir, 'pilot.pid')}`); });
  const lifetime = new PilotLifetime(run.settings.pilot.lifetime, o.startedAt ?? Date.now());
  const maxJobs = o.maxJobs ?? 1;
  const jobs: JobRunResult[] = [];
  const rejected: RejectedJob[] = [];
  let ended: PilotLoopResult['ended'] = 'max-jobs';
  const startedAt = o.startedAt ?? Date.now();
  while (jobs.length + rejected.length < maxJobs) {
    const elapsedS = (Date.now() - startedAt) / 1000;
    if (o.timefloorS !== undefined && jobs.length + rejected.length > 0 && elapsedS > o.timefloorS) {
      log.info(`no new job: the pilot has run ${Math.round(elapsedS)} s, past the queue's timefloor of ${o.timefloorS} s`);
      ended = 'time-limit';
      break;
    }
    if (o.timefloorS !== undefined && jobs.length + rejected.length > 0) log.info(`timefloor ${o.timefloorS} s, ${Math.round(elapsedS)} s since the start: asking for another job`);
    const refusal = lifetime.refusesJob();
    if (refusal) {
      log.info(`no new job: ${refusal}`);
      ended = 'time-limit';
      break;
    }
    let job;
    try {
      job = await o.api.getJob(o.request);
    } catch (err) {
      if (!(err instanceof JobDefinitionError) || !err.pandaId) throw err;
      // A job we cannot run is reported failed at once, so the server can retry or fail it.
      log.error(`job ${err.pandaId} rejected: ${err.message}`);
      await o.api.updateJob({ pandaId: err.pandaId, state: 'failed', pilotErrorCode: err.code, pilotErrorDiag: err.diagnostic })
        .catch((e: Error) => log.warn(`could not report rejected job ${err.pandaId}: ${e.message}`));
      rejected.push({ pandaId: err.pandaId, code: err.code, diagnostic: err.diagnostic });
      if (jobs.length + rejected.length >= maxJobs) break;
      continue;
    }
    if (!job) {
      log.info(`no job available for ${o.request.siteName}`);
      ended = 'no-job';
      break;
    }
    const control = jobs.length === 0 && o.control ? o.control : new JobControlSource();
    const uninstall = o.handleSignals === false ? () => undefined : installSignalHandlers(control, log);
    const unwatch = lifetime.watch(control, log);
    try {
      jobs.push(await runJob({ run, api: o.api, job, pilotDir, control }));
    } finally {
      unwatch();
      uninstall();
    }
    if (control.softkill.aborted) {
      ended = control.stopReason?.code === ErrorCodes.REACHEDMAXTIME ? 'time-limit' : 'signal';
      break;
    }
  }
  return { pilotDir, jobs, rejected, ended };
}
