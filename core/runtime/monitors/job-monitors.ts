/**
 * The monitors of one running job, over what its RunJob launched (`PayloadWatch`): the
 * resource monitor samples the payload's process tree every `resourceIntervalS`, checks
 * the memory limit on each sample, and the looping check runs every `loopingCheckS`. A
 * payload over its limit or looping is killed through the job's control with pilot3's code
 * (PAYLOADEXCEEDMAXMEM 1235, LOOPINGJOB 1150): the RunJob's own kill path (SIGTERM to every
 * group, SIGKILL after the grace) does the rest. Timers are unref'd.
 */
import type { JobDefinition } from '../../contracts/job-definition.js';
import type { JobUpdate } from '../../contracts/panda-api.js';
import type { QueueData } from '../../contracts/queue-data.js';
import type { JobOutcome, PayloadWatch, ResourceUsage } from '../../contracts/run-job.js';
import type { MonitorSettings } from '../../config/pilot-config.js';
import { ErrorCodes } from '../../errors/error-codes.js';
import type { Logger } from '../../logging/logger.js';
import type { JobControlSource } from '../job-control-source.js';
import { JOURNAL_FILE } from '../../eventservice/journal-records.js';
import { CHECKPOINT_FILE } from '../../eventservice/journal-checkpoint.js';
import { PAYLOAD_PID_FILE } from '../../eventservice/leftover-payload.js';
import { JOB_REPORT_FILE, TIMELINE_FILE } from '../../report/job-report.js';
import { JOB_STATE_PREFIX } from '../../state/job-state.js';
import { loopingLimitS, newestFileTouch } from './looping-check.js';
import { memoryExcess, memoryLimitFor, type MemoryLimit } from './memory-limit.js';
import { payloadLogTail } from './payload-log-tail.js';
import { processTree } from '../../util/process-table.js';
import { sampleProcessTree } from './process-tree-sample.js';
import { RESOURCE_SERIES_FILE, ResourceSeries } from './resource-series.js';

export interface JobMonitorsOptions {
  readonly job: JobDefinition;
  readonly queue: QueueData;
  readonly settings: MonitorSettings;
  readonly workdir: string;
  readonly control: JobControlSource;
  readonly log: Logger;
  /** Between SIGTERM and SIGKILL of what is left of the tree when the job ends. */
  readonly killGraceMs: number;
}

const PILOT_FILES = new Set([RESOURCE_SERIES_FILE, PAYLOAD_PID_FILE, JOURNAL_FILE, CHECKPOINT_FILE, JOB_REPORT_FILE, TIMELINE_FILE]);

/** Files the pilot writes in a job directory: never the payload's activity or log. */
export function isPilotFile(name: string): boolean {
  return PILOT_FILES.has(name) || name.startsWith(JOB_STATE_PREFIX) || (name.startsWith('.') && name.includes('.tmp-'));
}

export class JobMonitors implements PayloadWatch {
  private readonly pgids = new Set<number>();
  private readonly series: ResourceSeries;
  private readonly limit: MemoryLimit;
  private readonly loopingLimitMs: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private lastOutputAt: (() => number) | undefined;
  private watchedSince = 0;
  private lastTouch = 0;
  private stopped = false;
  private killed = false;

  constructor(private readonly o: JobMonitorsOptions) {
    this.series = new ResourceSeries(o.workdir);
    this.limit = memoryLimitFor(o.job, o.queue);
    this.loopingLimitMs = loopingLimitS(o.job, { limitS: o.settings.loopingLimitS }) * 1000;
  }

  watch(pgids: readonly number[], activity?: { lastOutputAt(): number }): void {
    if (this.stopped) return;
    for (const pgid of pgids) if (Number.isInteger(pgid) && pgid > 1) this.pgids.add(pgid);
    if (activity) this.lastOutputAt = () => activity.lastOutputAt();
    if (this.timers.length) return;
    this.watchedSince = this.lastTouch = Date.now();
    this.o.log.info(`monitoring the payload (process groups ${[...this.pgids].join(', ')}): sample every ${this.o.settings.resourceIntervalS} s; memory ${this.limit.pssKb ? `limit ${this.limit.pssKb} kB PSS` : 'not limited'}${this.limit.vmemKb ? `, ${this.limit.vmemKb} kB VMEM` : ''} (${this.limit.basis}); looping after ${this.loopingLimitMs / 1000} s without activity`);
    this.every(this.o.settings.resourceIntervalS, () => this.sample());
    this.every(this.o.settings.loopingCheckS, () => this.checkLooping());
    this.sample();
  }

  /**
   * Stops the timers after one last sample, then stops what is left of the tree: a leader
   * that died on SIGTERM leaves children that ignore it, a payload may leave background
   * processes; they get SIGTERM, and SIGKILL after the grace (pilot3 kills the payload's
   * children too). Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.pgids.size) this.sample();
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await this.stopLeftovers();
  }

  /** CPU seconds of the payload tree (the most seen; 0 before the first sample). */
  get cpuSeconds(): number {
    return this.series.cpuSeconds;
  }

  /** What heartbeats and the final update carry; undefined before the first sample. */
  usage(): ResourceUsage | undefined {
    const fields = this.series.fields();
    if (!Object.keys(fields).length) return undefined;
    const jobMetrics = this.series.jobMetrics();
    return Object.freeze({ fields, ...(jobMetrics ? { jobMetrics } : {}) });
  }

  /** pilot3's `debug` answer: the tail of the payload's latest log. */
  logTail(): string | undefined {
    return payloadLogTail(this.o.workdir, isPilotFile);
  }

  private async stopLeftovers(): Promise<void> {
    const left = () => (this.pgids.size ? processTree(this.pgids).map((p) => p.pid) : []);
    let pids = left();
    if (!pids.length) return;
    this.o.log.warn(`${pids.length} payload process(es) still running after the payload ended (${pids.join(', ')}): SIGTERM, SIGKILL after ${this.o.killGraceMs / 1000} s`);
    signalAll(pids, 'SIGTERM');
    const deadline = Date.now() + this.o.killGraceMs;
    while ((pids = left()).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    signalAll(pids, 'SIGKILL');
  }

  private every(seconds: number, fn: () => void): void {
    const t = setInterval(fn, seconds * 1000);
    t.unref();
    this.timers.push(t);
  }

  private sample(): void {
    if (this.stopped) return;
    const s = sampleProcessTree(this.pgids);
    this.series.add(s);
    if (s.nprocs === 0) return;
    const excess = memoryExcess(this.limit, s);
    if (excess) this.kill(ErrorCodes.PAYLOADEXCEEDMAXMEM, excess);
  }

  private checkLooping(): void {
    if (this.stopped || this.killed) return;
    const now = Date.now();
    this.lastTouch = Math.max(this.lastTouch, newestFileTouch(this.o.workdir, isPilotFile));
    const quiet = now - this.lastTouch;
    const noOutput = this.lastOutputAt ? now - Math.max(this.watchedSince, this.lastOutputAt()) : 0;
    if (quiet > this.loopingLimitMs) {
      this.kill(ErrorCodes.LOOPINGJOB, `the payload was found to be looping: no file in the work directory was touched for ${Math.round(quiet / 1000)} s (limit ${this.loopingLimitMs / 1000} s)`);
    } else if (noOutput > this.loopingLimitMs) {
      this.kill(ErrorCodes.LOOPINGJOB, `the payload was found to be looping: no output reported for ${Math.round(noOutput / 1000)} s (limit ${this.loopingLimitMs / 1000} s)`);
    }
  }

  private kill(code: number, why: string): void {
    if (this.killed) return;
    this.killed = true;
    this.o.log.error(`${why}: killing the payload`);
    this.o.control.requestKill(code, why);
  }
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/**
 * The outcome as the final update reports it: the CPU time is the most of the RunJob's own
 * count, the sampled tree's and `reapedCpuSeconds` (what the pilot's reaped children used
 * while the job ran: the tree's time after its last sample); the tree's resource use added.
 */
export function withResourceUsage(outcome: JobOutcome, monitors: JobMonitors, reapedCpuSeconds: number): JobOutcome {
  const usage = monitors.usage();
  return Object.freeze({
    ...outcome,
    cpuConsumptionTime: Math.max(outcome.cpuConsumptionTime, monitors.cpuSeconds, reapedCpuSeconds),
    ...(usage ? { resources: usage } : {}),
  });
}

/** A resource use as updateJob fields (heartbeats and the final update). */
export function usageUpdateFields(usage: ResourceUsage | undefined): Pick<JobUpdate, 'resources' | 'jobMetrics'> {
  if (!usage) return {};
  return { resources: usage.fields, ...(usage.jobMetrics ? { jobMetrics: usage.jobMetrics } : {}) };
}
