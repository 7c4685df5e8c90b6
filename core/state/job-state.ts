/**
 * The job state file a pilot keeps in each job directory (pilot1's jobState-<id>): enough for
 * a successor to finish a job whose pilot died. Secrets (the user proxy) are never written.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BindingDescription } from '../binding/binding-description.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import type { JobOutcome } from '../contracts/run-job.js';
import { deepFreeze } from '../config/field-reader.js';
import { localWriteError } from '../errors/disk-errors.js';
import { readJsonIfExists, writeJsonAtomic } from './state-file.js';

export type JobPhase = 'startup' | 'running' | 'finished' | 'failed' | 'holding';

export interface JobStateRecord {
  readonly version: 1;
  readonly pandaId: string;
  readonly pilotPid: number;
  readonly phase: JobPhase;
  readonly runJob: string;
  /** The plugins chosen for the job by role (`experiment`, `launcher`, `movers.pw`, ...), for its report. */
  readonly plugins?: Readonly<Record<string, string>>;
  /** The job's binding as it was when the job started: its planned transfers and warnings, for its report. */
  readonly binding?: BindingDescription;
  readonly job: JobDefinition;
  readonly outcome?: JobOutcome;
  /** The final updateJob: not yet due, due but unsent, or acknowledged by the server. */
  readonly finalUpdate: 'none' | 'pending' | 'sent';
  readonly startedAt: number;
  readonly updatedAt: number;
}

export const JOB_STATE_PREFIX = 'jobState-';

export function jobStatePath(jobDir: string, pandaId: string): string {
  return join(jobDir, `${JOB_STATE_PREFIX}${pandaId}.json`);
}

/**
 * Reads and writes one job's state file; every write is atomic. The record in memory is the
 * truth for this process: a change is applied in memory first, then written, so a write that
 * fails (a full disk) loses only what a successor could read, never what this pilot sends.
 */
export class JobStateStore {
  private current: JobStateRecord | undefined;

  constructor(readonly jobDir: string, readonly pandaId: string) {}

  get path(): string {
    return jobStatePath(this.jobDir, this.pandaId);
  }

  get record(): JobStateRecord | undefined {
    return this.current;
  }

  async load(): Promise<JobStateRecord | undefined> {
    this.current = deepFreeze(await readJsonIfExists<JobStateRecord>(this.path));
    return this.current;
  }

  /**
   * @throws PilotError NOLOCALSPACE (1098) or FILEHANDLINGFAILURE (1303) when the file cannot
   * be written; the record is kept in memory all the same.
   */
  async create(job: JobDefinition, runJob: string, plugins?: Readonly<Record<string, string>>, binding?: BindingDescription): Promise<JobStateRecord> {
    const { userProxy: _secret, ...safeJob } = job;
    const now = Date.now();
    return this.write({
      version: 1, pandaId: job.pandaId, pilotPid: process.pid, phase: 'startup', runJob, ...(plugins ? { plugins } : {}), ...(binding ? { binding } : {}),
      job: safeJob as JobDefinition, finalUpdate: 'none', startedAt: now, updatedAt: now,
    });
  }

  /** @throws PilotError as `create`; the change is kept in memory all the same. */
  async update(change: Partial<Pick<JobStateRecord, 'phase' | 'outcome' | 'finalUpdate' | 'pilotPid'>>): Promise<JobStateRecord> {
    if (!this.current) throw new Error(`job state ${this.path} was never created`);
    return this.write({ ...this.current, ...change, updatedAt: Date.now() });
  }

  private async write(record: JobStateRecord): Promise<JobStateRecord> {
    this.current = deepFreeze(record);
    try {
      await writeJsonAtomic(this.path, record);
    } catch (err) {
      throw localWriteError(err, `job state file ${this.path}`);
    }
    return this.current;
  }
}

/** Every job state file under a pilot work directory (`<workdir>/<pilot dir>/PandaJob_<id>/`). */
export async function findJobStates(workdir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isFile() && e.name.startsWith(JOB_STATE_PREFIX) && e.name.endsWith('.json')) found.push(p);
      else if (e.isDirectory() && depth < 3 && !e.name.startsWith('.')) await walk(p, depth + 1);
    }
  };
  await walk(workdir, 0);
  return found.sort();
}
