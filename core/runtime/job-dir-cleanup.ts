/**
 * When a job is done, its directory is reduced to its report and state file, as pilot3 removes
 * the job's work directory once the job has completed (`pilot/util/processes.py` `cleanup`
 * after the final update): inputs, outputs, journal and payload files go. Only a job nothing
 * more can be done for is reduced: its final update acknowledged, and what it produced
 * stored and verified (a finished job's outputs; a failed job's log). A job left holding,
 * lost, or with its final update pending keeps everything `espilot recover` needs.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobDefinition } from '../contracts/job-definition.js';
import type { JobOutcome } from '../contracts/run-job.js';
import type { Logger } from '../logging/logger.js';
import { JOB_REPORT_FILE, RANGES_DETAIL_FILE, TIMELINE_FILE } from '../report/job-report.js';
import { JOB_STATE_PREFIX } from '../state/job-state.js';

export interface JobEnd {
  readonly job: JobDefinition;
  readonly outcome: JobOutcome;
  /** The server acknowledged the final update. */
  readonly finalUpdateSent: boolean;
  /** `pilot.keepWorkdir` (`--keep-workdir`). */
  readonly keepWorkdir: boolean;
}

/** @returns why the directory is kept whole, or undefined when it may be reduced to its report. */
export function reasonToKeep(end: JobEnd): string | undefined {
  const { job, outcome } = end;
  if (end.keepWorkdir) return 'keepWorkdir is set';
  if (!end.finalUpdateSent) return 'the final update is not acknowledged';
  const stored = new Set((outcome.outputs ?? []).map((o) => `${o.kind}:${o.lfn}`));
  if (outcome.state === 'finished') {
    // ES outputs go to the object store range by range; the job's own list names its log only.
    const missing = job.eventService ? [] : job.outputFiles.filter((f) => !stored.has(`output:${f.lfn}`));
    return missing.length ? `outputs not stored: ${missing.map((f) => f.lfn).join(', ')}` : undefined;
  }
  if (outcome.state === 'failed') return job.logFile && !stored.has(`log:${job.logFile.lfn}`) ? 'the log was not stored' : undefined;
  return `the job ended ${outcome.state}`;
}

/** What a reduced job directory keeps: the report, with its per-range detail (ES jobs), and the state file. */
export function keptAfterCleanup(name: string): boolean {
  return name === JOB_REPORT_FILE || name === RANGES_DETAIL_FILE || name === TIMELINE_FILE || (name.startsWith(JOB_STATE_PREFIX) && name.endsWith('.json'));
}

/**
 * Reduces `jobDir` to its report unless `reasonToKeep` says otherwise. Never throws: a file
 * that cannot be removed is logged and left.
 * @returns true when the directory was reduced.
 */
export async function cleanUpJobDir(jobDir: string, end: JobEnd, log: Logger): Promise<boolean> {
  const keep = reasonToKeep(end);
  if (keep) {
    log.info(`job directory ${jobDir} kept: ${keep}`);
    return false;
  }
  let names: string[];
  try {
    names = await readdir(jobDir);
  } catch (err) {
    log.warn(`job directory ${jobDir} not cleaned up: ${(err as Error).message}`);
    return false;
  }
  let failed = 0;
  for (const name of names.filter((n) => !keptAfterCleanup(n))) {
    await rm(join(jobDir, name), { recursive: true, force: true }).catch((err: Error) => {
      failed++;
      log.warn(`cannot remove ${join(jobDir, name)}: ${err.message}`);
    });
  }
  log.info(`job directory ${jobDir} reduced to its report${failed ? ` (${failed} entries could not be removed)` : ''}`);
  return failed === 0;
}
