/**
 * Sees one job through: job directory and state file, disk checks, heartbeats, the RunJob the
 * experiment chooses, and the final updateJob. A final update the server never acknowledged
 * stays `pending` in the state file for `espilot recover`. A full disk fails the job with
 * NOLOCALSPACE; its final update is still sent, from memory.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Experiment, type Experiment as ExperimentT } from '../contracts/experiment.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import type { PandaApi } from '../contracts/panda-api.js';
import { RunJob, type JobOutcome, type RunJob as RunJobT } from '../contracts/run-job.js';
import { localWriteError, withDiskCode } from '../errors/disk-errors.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { toPilotError, type PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import { bindJob } from '../binding/bind-job.js';
import { describeBinding } from '../binding/binding-description.js';
import { pluginsChosen } from '../report/plugins-chosen.js';
import { writeJobReport, type WrittenReport } from '../report/write-job-report.js';
import type { PilotRun } from './create-run.js';
import { blameFullDisk, checkBeforeJob, diskLimitsFor, DiskMonitor, type DiskLimits } from './disk-monitor.js';
import { finalJobUpdate } from './final-update.js';
import { cleanUpJobDir } from './job-dir-cleanup.js';
import { pilotIdentity } from './pilot-identity.js';
import { JobControlSource } from './job-control-source.js';
import { JobStateStore } from '../state/job-state.js';
import { PRIVATE_DIR_MODE } from '../state/state-file.js';
import { Monitor } from './monitor.js';
import { JobMonitors, withResourceUsage } from './monitors/job-monitors.js';
import { reapedChildrenCpuSeconds } from './child-cpu.js';

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
  const state = new JobStateStore(jobDir, job.pandaId);
  const binding = bindJob(resolver, job, experiment);
  for (const w of binding.warnings) log.warn(w);
  const started = Date.now();
  const limits = diskLimitsFor(settings, job);
  // Before the job: its directory, its state file, the disk checks. Any failure fails the job
  // without running it; the state record lives in memory even when the disk refuses it.
  const refused = await prepareJob(jobDir, job, limits, log, async () => {
    await state.create(job, runJobName, pluginsChosen(settings, binding, job, runJobName), describeBinding(binding));
    await state.update({ phase: 'running' });
  });
  const control = o.control ?? new JobControlSource();
  let progress = { nEvents: 0 } as { nEvents: number; cpuConsumptionTime?: number };
  let outcome: JobOutcome;
  let lost = false;
  if (refused) {
    log.error(`job ${job.pandaId} not started: ${refused.codeName} ${refused.message}`);
    outcome = failedOutcome(refused, progress.nEvents, started);
  } else {
    const monitors = new JobMonitors({ job, queue: settings.queue, settings: settings.pilot.monitors, workdir: jobDir, control, log, killGraceMs: settings.pilot.eventService.killGraceS * 1000 });
    const monitor = new Monitor({
      api, control, log, pandaId: job.pandaId, intervalMs: settings.pilot.heartbeatS * 1000, lostHeartbeatMs: settings.pilot.lostHeartbeatS * 1000, coreCount: job.coreCount,
      siteName: settings.queue.name, identity: pilotIdentity(process.env), progress: () => ({ ...progress, cpuConsumptionTime: Math.max(progress.cpuConsumptionTime ?? 0, monitors.cpuSeconds) }),
      debugIntervalMs: settings.pilot.monitors.debugHeartbeatS * 1000, resources: () => monitors.usage(),
      debugTail: () => { const t = monitors.logTail(); return t === undefined ? undefined : run.secrets.mask(t); },
    });
    const cpu0 = reapedChildrenCpuSeconds();
    const disk = new DiskMonitor(jobDir, limits, (e) => control.requestKill(e.code, e.message), log);
    log.info(`job ${job.pandaId} (${job.eventService ? 'event service' : job.eventServiceMerge ? 'event service merge' : 'normal'}) → RunJob ${runJobName}, workdir ${jobDir}`);
    await monitor.beat();
    monitor.start();
    disk.start();
    try {
      const impl = resolver.get<RunJobT>(RunJob, runJobName);
      outcome = await impl.run({ job, workdir: jobDir, control, binding, payloadWatch: monitors, onProgress: (p) => { progress = { ...p }; } });
    } catch (err) {
      // A RunJob reports job failures in its outcome; an exception here is a pilot defect,
      // unless it is the disk filling up under it (NOLOCALSPACE).
      const e = toPilotError(withDiskCode(err, `job directory ${jobDir}`), ErrorCodes.INTERNALPILOTPROBLEM, `RunJob ${runJobName}`);
      if (e.code === ErrorCodes.NOLOCALSPACE) log.error(`RunJob ${runJobName}: ${e.codeName} ${e.message}`);
      else log.error(`RunJob ${runJobName} threw: ${e.stack ?? e.message}`);
      outcome = failedOutcome(e, progress.nEvents, started);
    } finally {
      await Promise.all([monitors.stop(), monitor.stop(), disk.stop()]);
    }
    outcome = withResourceUsage(await blameFullDisk(outcome, jobDir, limits), monitors, reapedChildrenCpuSeconds() - cpu0);
    lost = monitor.lost;
  }
  // A lost job's final state would be refused: its state file keeps no outcome, so a recovery finishes it from its outputs.
  if (lost) log.error(`job ${job.pandaId} lost (no heartbeat acknowledged for ${settings.pilot.lostHeartbeatS} s): final update not sent; outputs kept in ${jobDir} for espilot recover`);
  const finalUpdateSent = lost ? false : await recordAndSendFinalUpdate(api, state, outcome, settings.queue.name, log);
  log.info(`job ${job.pandaId} ${outcome.state}${outcome.pilotErrorCode ? ` (${outcome.pilotErrorCode}: ${outcome.pilotErrorDiag})` : ''}, nEvents ${outcome.nEvents}`);
  const report = await writeReportQuietly(jobDir, run, log);
  // After the report, which is what the directory is reduced to.
  await cleanUpJobDir(jobDir, { job, outcome, finalUpdateSent, keepWorkdir: settings.pilot.keepWorkdir }, log);
  return { pandaId: job.pandaId, runJob: runJobName, jobDir, outcome, finalUpdateSent, ...(report ? { report } : {}) };
}

/**
 * The job directory, the state file (`writeState`) and the disk checks before the job.
 * @returns why the job cannot run here, or undefined. A disk check that cannot be made is
 * logged and passed over (pilot3 ignores a failing `df`).
 */
async function prepareJob(jobDir: string, job: JobDefinition, limits: DiskLimits, log: Logger, writeState: () => Promise<void>): Promise<PilotError | undefined> {
  let failure: PilotError | undefined;
  try {
    await mkdir(jobDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (err) {
    failure = localWriteError(err, `job directory ${jobDir}`);
  }
  // Written even when the directory failed: the record is kept in memory for the final update.
  try {
    await writeState();
  } catch (err) {
    failure ??= toPilotError(err, ErrorCodes.FILEHANDLINGFAILURE);
  }
  if (failure) return failure;
  try {
    return await checkBeforeJob(jobDir, job, limits);
  } catch (err) {
    log.warn(`disk check of ${jobDir} before the job skipped: ${(err as Error).message}`);
    return undefined;
  }
}

function failedOutcome(e: PilotError, nEvents: number, startTime: number): JobOutcome {
  return { state: 'failed', pilotErrorCode: e.code, pilotErrorDiag: e.diagnostic, transExitCode: 0, nEvents, cpuConsumptionTime: 0, startTime, endTime: Date.now() };
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

/**
 * The end of a job, in this order: (1) the outcome is fixed in the state record in memory;
 * (2) it is written to the state file as `pending`, so a successor can resend it; (3) the
 * final updateJob is sent from memory whether (2) worked or not; (4) `sent` is written. A
 * write that fails (a full disk) is logged and never stops the update. Never throws.
 */
export async function recordAndSendFinalUpdate(
  api: PandaApi, state: JobStateStore, outcome: JobOutcome, queueName: string, log: FinalUpdateLog, pilotPid?: number,
): Promise<boolean> {
  try {
    await state.update({ phase: outcome.state, outcome, finalUpdate: 'pending', ...(pilotPid !== undefined ? { pilotPid } : {}) });
  } catch (err) {
    const e = toPilotError(err, ErrorCodes.FILEHANDLINGFAILURE);
    log.error(`job ${state.pandaId}: the outcome is not in the state file (${e.codeName} ${e.message}); the final update goes out from memory, and cannot be resent by a recovery if it is lost`);
  }
  return sendFinalUpdate(api, state, queueName, log);
}

type FinalUpdateLog = { warn(m: string): void; info(m: string): void; error(m: string): void };

/**
 * Sends the final updateJob of the record in memory (`state.record`); marks it sent once
 * acknowledged. Delivered is delivered: failing to write `sent` afterwards is only logged.
 * Never throws.
 */
export async function sendFinalUpdate(api: PandaApi, state: JobStateStore, queueName: string, log: FinalUpdateLog): Promise<boolean> {
  const rec = state.record;
  if (!rec?.outcome) return false;
  if (rec.finalUpdate === 'sent') return true;
  try {
    await api.updateJob(finalJobUpdate(rec.job, rec.outcome, queueName));
  } catch (err) {
    log.warn(`final update of job ${rec.pandaId} not delivered (kept for recovery): ${(err as Error).message}`);
    return false;
  }
  try {
    await state.update({ finalUpdate: 'sent' });
  } catch (err) {
    log.warn(`final update of job ${rec.pandaId} delivered, but not marked sent in its state file (a recovery may send it again): ${(err as Error).message}`);
  }
  return true;
}
