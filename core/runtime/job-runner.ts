/**
 * Sees one job through: job directory and state file, heartbeats, the RunJob the experiment
 * chooses, and the final updateJob. A final update the server never acknowledged stays
 * `pending` in the state file for `espilot recover`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Experiment, type Experiment as ExperimentT } from '../contracts/experiment.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import type { PandaApi } from '../contracts/panda-api.js';
import { RunJob, type JobOutcome, type RunJob as RunJobT } from '../contracts/run-job.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { toPilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import { bindJob } from '../binding/bind-job.js';
import { describeBinding } from '../binding/binding-description.js';
import { pluginsChosen } from '../report/plugins-chosen.js';
import { writeJobReport, type WrittenReport } from '../report/write-job-report.js';
import type { PilotRun } from './create-run.js';
import { finalJobUpdate } from './final-update.js';
import { JobControlSource } from './job-control-source.js';
import { JobStateStore } from '../state/job-state.js';
import { PRIVATE_DIR_MODE } from '../state/state-file.js';
import { Monitor } from './monitor.js';

export interface JobRunOptions {
  readonly run: PilotRun;
  readonly api: PandaApi;
  readonly job: JobDefinition;
  readonly pilotDir: string;
  readonly control?: JobControlSource;
}

export interface JobRunResult {
  readonly pandaId: string;
  readonly runJob: string;
  readonly jobDir: string;
  readonly outcome: JobOutcome;
  readonly finalUpdateSent: boolean;
  /** `job-report.json` and `timeline.html` in the job directory; absent when they could not be written. */
  readonly report?: WrittenReport;
}

export function jobDirFor(pilotDir: string, pandaId: string): string {
  return join(pilotDir, `PandaJob_${pandaId}`);
}

export async function runJob(o: JobRunOptions): Promise<JobRunResult> {
  const { run, api, job } = o;
  const { settings, resolver } = run;
  const log = run.logger.child(`job:${job.pandaId}`);
  if (job.userProxy) run.secrets.register(job.userProxy);
  const experiment = resolver.get<ExperimentT>(Experiment, settings.pilot.experiment);
  const runJobName = experiment.runJobFor(job, settings.queue);
  const jobDir = jobDirFor(o.pilotDir, job.pandaId);
  await mkdir(jobDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const state = new JobStateStore(jobDir, job.pandaId);
  const binding = bindJob(resolver, job, experiment);
  for (const w of binding.warnings) log.warn(w);
  await state.create(job, runJobName, pluginsChosen(settings, binding, job, runJobName), describeBinding(binding));
  const control = o.control ?? new JobControlSource();
  let progress = { nEvents: 0 } as { nEvents: number; cpuConsumptionTime?: number };
  const monitor = new Monitor({
    api, control, log, pandaId: job.pandaId, intervalMs: settings.pilot.heartbeatS * 1000, coreCount: job.coreCount,
    siteName: settings.queue.name, progress: () => progress,
  });
  log.info(`job ${job.pandaId} (${job.eventService ? 'event service' : job.eventServiceMerge ? 'event service merge' : 'normal'}) → RunJob ${runJobName}, workdir ${jobDir}`);
  await monitor.beat();
  monitor.start();
  let outcome: JobOutcome;
  const started = Date.now();
  try {
    await state.update({ phase: 'running' });
    const impl = resolver.get<RunJobT>(RunJob, runJobName);
    outcome = await impl.run({ job, workdir: jobDir, control, binding, onProgress: (p) => { progress = { ...p }; } });
  } catch (err) {
    // A RunJob reports job failures in its outcome; an exception here is a pilot defect.
    const e = toPilotError(err, ErrorCodes.INTERNALPILOTPROBLEM, `RunJob ${runJobName}`);
    log.error(`RunJob ${runJobName} threw: ${e.stack ?? e.message}`);
    outcome = { state: 'failed', pilotErrorCode: e.code, pilotErrorDiag: e.diagnostic, transExitCode: 0, nEvents: progress.nEvents, cpuConsumptionTime: 0, startTime: started, endTime: Date.now() };
  } finally {
    await monitor.stop();
  }
  await state.update({ phase: outcome.state, outcome, finalUpdate: 'pending' });
  const finalUpdateSent = await sendFinalUpdate(api, state, settings.queue.name, log);
  log.info(`job ${job.pandaId} ${outcome.state}${outcome.pilotErrorCode ? ` (${outcome.pilotErrorCode}: ${outcome.pilotErrorDiag})` : ''}, nEvents ${outcome.nEvents}`);
  const report = await writeReportQuietly(jobDir, run, log);
  return { pandaId: job.pandaId, runJob: runJobName, jobDir, outcome, finalUpdateSent, ...(report ? { report } : {}) };
}

/** The job report is for people: failing to write it is logged, never a job failure. */
export async function writeReportQuietly(jobDir: string, run: PilotRun, log: Logger): Promise<WrittenReport | undefined> {
  try {
    const written = await writeJobReport(jobDir, { mask: (text) => run.secrets.mask(text) });
    log.info(`report: ${written.htmlPath}`);
    return written;
  } catch (err) {
    log.warn(`job report not written: ${(err as Error).message}`);
    return undefined;
  }
}

/** Sends the final updateJob recorded in `state`; marks it sent once acknowledged. Never throws. */
export async function sendFinalUpdate(api: PandaApi, state: JobStateStore, queueName: string, log: { warn(m: string): void; info(m: string): void }): Promise<boolean> {
  const rec = state.record;
  if (!rec?.outcome) return false;
  if (rec.finalUpdate === 'sent') return true;
  try {
    await api.updateJob(finalJobUpdate(rec.job, rec.outcome, queueName));
    await state.update({ finalUpdate: 'sent' });
    return true;
  } catch (err) {
    log.warn(`final update of job ${rec.pandaId} not delivered (kept for recovery): ${(err as Error).message}`);
    return false;
  }
}
