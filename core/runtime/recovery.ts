/**
 * `espilot recover`: finishes jobs that dead pilots left in a work directory, and jobs that
 * ended `holding` (outputs or reports left in their records). A job is taken over only when
 * its pilot is gone and no other recovery holds it; its RunJob's `recover` stores and
 * reports what was left, then the final updateJob goes out once. A full disk defers a job
 * (NOLOCALSPACE, naming the file it could not write) to the next recovery; it never crashes.
 */
import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bindJob } from '../binding/bind-job.js';
import { Experiment, type Experiment as ExperimentT } from '../contracts/experiment.js';
import { PandaApi } from '../contracts/panda-api.js';
import { RunJob, type JobOutcome, type RunJob as RunJobT } from '../contracts/run-job.js';
import { localWriteError, withDiskCode } from '../errors/disk-errors.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { toPilotError } from '../errors/pilot-error.js';
import type { PilotRun } from './create-run.js';
import { JobControlSource } from './job-control-source.js';
import { JobStateStore, findJobStates } from '../state/job-state.js';
import { recordAndSendFinalUpdate, sendFinalUpdate, writeReportQuietly } from './job-runner.js';
import { cleanUpJobDir } from './job-dir-cleanup.js';

export interface RecoveredJob {
  readonly pandaId: string;
  readonly jobDir: string;
  readonly action: 'skipped-owner-alive' | 'skipped-locked' | 'skipped-done' | 'final-update' | 'recovered' | 'deferred';
  /** Why a recovery was deferred (the job is tried again by the next recovery). */
  readonly reason?: string;
  readonly outcome?: JobOutcome;
  readonly finalUpdateSent?: boolean;
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function pilotPidOf(jobDir: string): Promise<number | undefined> {
  const text = await readFile(join(dirname(jobDir), 'pilot.pid'), 'utf8').catch(() => undefined);
  return text ? Number(text.trim()) : undefined;
}

/**
 * An exclusive lock file holding our pid; a lock whose holder died is taken over.
 * @throws PilotError NOLOCALSPACE (1098, recoverable) when the disk is full: the job is left for a later recovery.
 */
async function tryLock(path: string): Promise<(() => Promise<void>) | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let fh;
    try {
      fh = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw localWriteError(err, `recovery lock ${path}`);
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (isAlive(holder) && holder !== process.pid) return undefined;
      await rm(path, { force: true });
      continue;
    }
    try {
      await fh.writeFile(`${process.pid}\n`);
    } catch (err) {
      await rm(path, { force: true }).catch(() => undefined);
      throw localWriteError(err, `recovery lock ${path}`);
    } finally {
      await fh.close().catch(() => undefined);
    }
    return () => rm(path, { force: true });
  }
  return undefined;
}

export async function recoverJobs(run: PilotRun, api: PandaApi, workdir: string): Promise<RecoveredJob[]> {
  const log = run.logger.child('recovery');
  run.resolver.provide(PandaApi, api);
  const results: RecoveredJob[] = [];
  for (const statePath of await findJobStates(workdir)) {
    const jobDir = dirname(statePath);
    const pandaId = statePath.slice(statePath.lastIndexOf('jobState-') + 9, -5);
    const store = new JobStateStore(jobDir, pandaId);
    const rec = await store.load().catch((err: Error) => {
      log.error(`unreadable job state ${statePath}: ${err.message}`);
      return undefined;
    });
    if (!rec) continue;
    // A job that ended `holding` told the server so, but its outputs or reports are still in
    // its records: it is not done until a recovery finishes them and sends the real final state.
    const holding = rec.outcome?.state === 'holding';
    if (rec.finalUpdate === 'sent' && !holding) {
      results.push({ pandaId, jobDir, action: 'skipped-done' });
      continue;
    }
    const owner = (await pilotPidOf(jobDir)) ?? rec.pilotPid;
    if (owner !== process.pid && isAlive(owner)) {
      results.push({ pandaId, jobDir, action: 'skipped-owner-alive' });
      continue;
    }
    let unlock;
    try {
      unlock = await tryLock(join(jobDir, 'recovery.lock'));
    } catch (err) {
      // A full disk (or a lock that cannot be written) leaves the job as it is for the next recovery.
      const e = toPilotError(err, ErrorCodes.FILEHANDLINGFAILURE);
      log.error(`job ${pandaId}: recovery deferred: ${e.codeName} ${e.message}`);
      results.push({ pandaId, jobDir, action: 'deferred', reason: `${e.codeName} ${e.message}` });
      continue;
    }
    if (!unlock) {
      results.push({ pandaId, jobDir, action: 'skipped-locked' });
      continue;
    }
    try {
      if (rec.outcome && !holding) {
        log.info(`job ${pandaId}: ${rec.outcome.state}, final update still pending`);
        const sent = await sendFinalUpdate(api, store, run.settings.queue.name, log);
        if (sent) await writeReportQuietly(jobDir, run, log);
        await cleanUpJobDir(jobDir, { job: rec.job, outcome: rec.outcome, finalUpdateSent: sent, keepWorkdir: run.settings.pilot.keepWorkdir }, log);
        results.push({ pandaId, jobDir, action: 'final-update', outcome: rec.outcome, finalUpdateSent: sent });
        continue;
      }
      log.warn(holding ? `job ${pandaId}: ended holding; finishing it with RunJob ${rec.runJob}` : `job ${pandaId}: pilot ${owner} died in phase ${rec.phase}; recovering with RunJob ${rec.runJob}`);
      const started = Date.now();
      let outcome: JobOutcome;
      try {
        const impl = run.resolver.get<RunJobT>(RunJob, rec.runJob);
        if (!impl.recover) throw toPilotError(`RunJob ${rec.runJob} cannot recover jobs`, ErrorCodes.KILLSIGNAL);
        // Recomputed from the persisted job: the instances are this run's; what the job used at
        // its start stays in the state file for its report.
        const experiment = run.resolver.get<ExperimentT>(Experiment, run.settings.pilot.experiment);
        const binding = bindJob(run.resolver, rec.job, experiment);
        outcome = await impl.recover({ job: rec.job, workdir: jobDir, control: new JobControlSource(), binding });
      } catch (err) {
        // A full disk under the recovery is NOLOCALSPACE, recoverable: tried again by the next one.
        const e = toPilotError(withDiskCode(err, `job directory ${jobDir}`), ErrorCodes.KILLSIGNAL, `recovery of job ${pandaId}`);
        if (e.recoverable) {
          // Nothing is final yet: the job's records stay as they are for the next recovery.
          log.warn(`job ${pandaId}: recovery deferred: ${e.codeName} ${e.message}`);
          results.push({ pandaId, jobDir, action: 'deferred', reason: `${e.codeName} ${e.message}` });
          continue;
        }
        outcome = { state: 'failed', pilotErrorCode: e.code, pilotErrorDiag: e.diagnostic, transExitCode: 0, nEvents: 0, cpuConsumptionTime: 0, startTime: started, endTime: Date.now() };
      }
      const sent = await recordAndSendFinalUpdate(api, store, outcome, run.settings.queue.name, log, process.pid);
      await writeReportQuietly(jobDir, run, log);
      await cleanUpJobDir(jobDir, { job: rec.job, outcome, finalUpdateSent: sent, keepWorkdir: run.settings.pilot.keepWorkdir }, log);
      results.push({ pandaId, jobDir, action: 'recovered', outcome, finalUpdateSent: sent });
    } finally {
      await unlock().catch((err: Error) => log.warn(`job ${pandaId}: recovery lock not removed: ${err.message}`));
    }
  }
  return results;
}
