/**
 * The disk checks of a job, after pilot3 (util/monitoring.py check_local_space, check_work_dir;
 * api/data.py check_availablespace): before the job, enough free space on the work disk (more
 * than `disk.freeSpaceLimitMB`, and at least the job's `maxDiskCount`), inputs within queuedata
 * `maxwdir` and within the free space; while it runs, every `disk.checkIntervalS`, free space
 * above `disk.freeSpaceLimitRunningMB` and the job directory within `maxwdir` plus pilot3's
 * grace; after it, a failure on a full disk is the disk's (NOLOCALSPACE). A check that fails
 * names the path, what was found and what was needed.
 */
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { PilotSettings } from '../config/config-layers.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import type { JobOutcome } from '../contracts/run-job.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';

const MB = 1024 * 1024;
/** pilot3 queuedata.py: `pilot_maxwdir_grace` defaults to 20 (%) on top of maxwdir. */
const MAXWDIR_GRACE = 1.2;

export interface DiskLimits {
  /** Free bytes needed before the job starts: more than this. */
  readonly freeBeforeBytes: number;
  /** The job's own need (`maxDiskCount`, MB), if it states one. */
  readonly jobNeedBytes?: number;
  /** Free bytes below which (or at which) a running job is stopped. */
  readonly freeRunningBytes: number;
  /** queuedata `maxwdir`: the most its inputs may add up to. */
  readonly maxInputBytes?: number;
  /** The largest the job directory may grow (maxwdir with grace, per core for single-core jobs). */
  readonly maxWorkdirBytes?: number;
  readonly intervalMs: number;
}

/** The limits of one job from the pilot settings, queuedata `maxwdir` and the job's `maxDiskCount`. */
export function diskLimitsFor(settings: PilotSettings, job: JobDefinition): DiskLimits {
  const d = settings.pilot.disk;
  const maxwdir = settings.queue.maxWorkdirMB;
  // pilot3 get_max_allowed_work_dir_size: maxwdir is for the queue's multi-core slot; a
  // single-core job on it gets its share.
  const divider = job.coreCount === 1 ? Math.max(1, settings.queue.coreCount) : 1;
  return Object.freeze({
    freeBeforeBytes: d.freeSpaceLimitMB * MB,
    freeRunningBytes: d.freeSpaceLimitRunningMB * MB,
    intervalMs: d.checkIntervalS * 1000,
    ...(job.maxDiskCount ? { jobNeedBytes: job.maxDiskCount * MB } : {}),
    ...(maxwdir ? { maxInputBytes: maxwdir * MB, maxWorkdirBytes: Math.floor((maxwdir * MB * MAXWDIR_GRACE) / divider) } : {}),
  });
}

/** Bytes an unprivileged process may still write on the file system holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

/** The disk usage of a directory tree (allocated blocks, like `du`), links not followed. */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return; // removed meanwhile, or unreadable: not the job's bytes to count
    }
    for (const e of entries) {
      const p = join(d, e.name);
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      total += st.blocks * 512;
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return total;
}

/** Before the job: NOLOCALSPACE or SIZETOOLARGE when it cannot run here, else undefined. */
export async function checkBeforeJob(jobDir: string, job: JobDefinition, limits: DiskLimits): Promise<PilotError | undefined> {
  const free = await freeBytes(jobDir);
  if (free <= limits.freeBeforeBytes) {
    return noSpace(`too little space left on local disk to run job: ${free} B free on ${jobDir} (need > ${limits.freeBeforeBytes} B)`);
  }
  if (limits.jobNeedBytes !== undefined && free < limits.jobNeedBytes) {
    return noSpace(`not enough local space for the job: ${free} B free on ${jobDir}, the job needs maxDiskCount ${limits.jobNeedBytes / MB} MB (${limits.jobNeedBytes} B)`);
  }
  const inputs = job.inputFiles.reduce((sum, f) => sum + (f.size ?? 0), 0);
  if (limits.maxInputBytes !== undefined && inputs > limits.maxInputBytes) {
    return new PilotError(ErrorCodes.SIZETOOLARGE, `too many/too large input files (${job.inputFiles.length}): total file size ${inputs} B > maxwdir ${limits.maxInputBytes} B`, { recoverable: false });
  }
  if (inputs > free) return noSpace(`not enough local space for staging input files and running the job: need ${inputs} B, ${free} B free on ${jobDir}`);
  return undefined;
}

/** While the job runs: NOLOCALSPACE or USERDIRTOOLARGE when it must stop, else undefined. */
export async function checkWhileRunning(jobDir: string, limits: DiskLimits): Promise<PilotError | undefined> {
  const free = await freeBytes(jobDir);
  if (free <= limits.freeRunningBytes) {
    return noSpace(`too little space left on local disk to continue the job: ${free} B free on ${jobDir} (need > ${limits.freeRunningBytes} B)`);
  }
  if (limits.maxWorkdirBytes !== undefined) {
    const used = await diskUsage(jobDir);
    if (used > limits.maxWorkdirBytes) {
      return new PilotError(ErrorCodes.USERDIRTOOLARGE, `work directory (${jobDir}) is too large: ${used} B (must be < ${limits.maxWorkdirBytes} B)`, { recoverable: false });
    }
  }
  return undefined;
}

/** Codes that already name the disk, and ESRECOVERABLE (no error: reports still pending). */
const KEEP = new Set<number>([ErrorCodes.NOLOCALSPACE, ErrorCodes.USERDIRTOOLARGE, ErrorCodes.SIZETOOLARGE, ErrorCodes.ESRECOVERABLE]);

/**
 * A job that failed with its work disk found full at the end failed because of it: the
 * payload or the pilot met ENOSPC somewhere (which of them first is chance) and the periodic
 * check would have failed it anyway. pilot3 does the same with priority (user/atlas/diagnose.py
 * "did the payload run out of space?"). The first diagnostic is kept after the disk's.
 */
export async function blameFullDisk(outcome: JobOutcome, jobDir: string, limits: DiskLimits): Promise<JobOutcome> {
  if (outcome.state === 'finished' || outcome.pilotErrorCode === 0 || KEEP.has(outcome.pilotErrorCode)) return outcome;
  const free = await freeBytes(jobDir).catch(() => undefined);
  if (free === undefined || free > limits.freeRunningBytes) return outcome;
  const diag = `work disk full at the end of the job: ${free} B free on ${jobDir} (need > ${limits.freeRunningBytes} B); ${outcome.pilotErrorDiag}`;
  return Object.freeze({ ...outcome, pilotErrorCode: ErrorCodes.NOLOCALSPACE, pilotErrorDiag: diag.slice(0, 250) });
}

function noSpace(message: string): PilotError {
  return new PilotError(ErrorCodes.NOLOCALSPACE, message, { recoverable: false });
}

/**
 * Runs `checkWhileRunning` every `limits.intervalMs` until stopped; the first failure goes to
 * `onFailure` (which stops the job) and ends the checks. A check that cannot be made (statfs
 * fails) is logged and skipped, as pilot3 ignores a failing `df`.
 */
export class DiskMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private tripped = false;

  constructor(
    private readonly jobDir: string,
    private readonly limits: DiskLimits,
    private readonly onFailure: (err: PilotError) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.check().finally(() => { this.running = undefined; });
    }, this.limits.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async check(): Promise<void> {
    if (this.tripped) return;
    let failure: PilotError | undefined;
    try {
      failure = await checkWhileRunning(this.jobDir, this.limits);
    } catch (err) {
      this.log.warn(`disk check of ${this.jobDir} skipped: ${(err as Error).message}`);
      return;
    }
    if (!failure || this.tripped || !this.timer) return;
    this.tripped = true;
    this.log.error(`${failure.codeName}: ${failure.message}; stopping the job`);
    this.onFailure(failure);
  }
}
