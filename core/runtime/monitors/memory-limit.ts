/**
 * The payload's memory limit, as pilot3 computes it (pilot/user/atlas/memory.py
 * `calculate_memory_limit_kb`): queuedata `maxrss` is the queue slot's, so per core it is
 * maxrss / queue corecount, times the job's coreCount; without maxrss, the job's
 * `minRamCount` rounded up to whole GB (pull queues). Either is multiplied by the RSS grace
 * (pilot3 `pilot_rss_grace`, 2.0 by default) and compared with the tree's PSS. `maxvmem`
 * is scaled the same way and compared with the tree's VMEM (pilot3 reads it but never
 * checks it; an unbounded VMEM is what a site's batch system kills for).
 */
import type { JobDefinition } from '../../contracts/job-definition.js';
import type { QueueData } from '../../contracts/queue-data.js';
import type { ProcessTreeSample } from './process-tree-sample.js';

/** pilot3 queuedata.pilot_rss_grace default (1 + 100 %). */
export const PILOT_RSS_GRACE = 2.0;

export interface MemoryLimit {
  /** kB of PSS; undefined: not checked. */
  readonly pssKb?: number;
  readonly vmemKb?: number;
  /** How the limits were derived, for the log and the diagnostic. */
  readonly basis: string;
}

export function memoryLimitFor(job: Pick<JobDefinition, 'coreCount' | 'minRamCount'>, queue: Pick<QueueData, 'coreCount' | 'maxRssMB' | 'maxVmemMB'>): MemoryLimit {
  const jobCores = Math.max(1, job.coreCount || queue.coreCount);
  const perJob = (queueMB: number) => (queueMB / Math.max(1, queue.coreCount)) * jobCores;
  const kb = (mb: number) => Math.round(PILOT_RSS_GRACE * mb * 1024);
  let pssKb: number | undefined;
  let basis: string;
  if (queue.maxRssMB) {
    pssKb = kb(perJob(queue.maxRssMB));
    basis = `${PILOT_RSS_GRACE} × maxrss ${queue.maxRssMB} MB / ${queue.coreCount} queue cores × ${jobCores} job cores`;
  } else if (job.minRamCount) {
    const mb = Math.ceil(job.minRamCount / 1000) * 1000;
    pssKb = kb(mb);
    basis = `${PILOT_RSS_GRACE} × minRamCount ${job.minRamCount} MB (rounded up to ${mb})`;
  } else {
    basis = 'no maxrss in queuedata and no minRamCount in the job';
  }
  const vmemKb = queue.maxVmemMB ? kb(perJob(queue.maxVmemMB)) : undefined;
  if (vmemKb) basis += `; VMEM ${PILOT_RSS_GRACE} × maxvmem ${queue.maxVmemMB} MB scaled the same way`;
  return Object.freeze({ ...(pssKb ? { pssKb } : {}), ...(vmemKb ? { vmemKb } : {}), basis });
}

/** The diagnostic when `s` is over a limit, else undefined. */
export function memoryExcess(limit: MemoryLimit, s: ProcessTreeSample): string | undefined {
  if (limit.pssKb !== undefined && s.pss > limit.pssKb) return `job has exceeded the memory limit: PSS ${s.pss} kB > ${limit.pssKb} kB (${limit.basis})`;
  if (limit.vmemKb !== undefined && s.vmem > limit.vmemKb) return `job has exceeded the memory limit: VMEM ${s.vmem} kB > ${limit.vmemKb} kB (${limit.basis})`;
  return undefined;
}
