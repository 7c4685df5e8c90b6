/**
 * The getJob parameters pilot3 sends (control/job.py `get_dispatcher_dictionary`): the queue,
 * the job label, and the worker node: CPU clock (MHz), memory (MB), free disk for the job (MB,
 * capped by the queue's `maxwdir`) and the node name (`PANDA_HOSTNAME`, else the host name).
 */
import { statfsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { GetJobRequest } from '../contracts/panda-api.js';

export interface GetJobRequestInput {
  readonly siteName: string;
  readonly queue: string;
  readonly prodSourceLabel: string;
  /** Where the job will run: its free space is the `diskSpace` sent. */
  readonly workdir: string;
  /** Queuedata `maxwdir` (MB): pilot3 sends min(free space, maxwdir). */
  readonly maxWorkdirMB?: number;
  readonly resourceType?: string;
  readonly jobType?: string;
  readonly workingGroup?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function getJobRequest(i: GetJobRequestInput): GetJobRequest {
  const env = i.env ?? process.env;
  const disk = freeMB(i.workdir);
  const diskSpace = disk === undefined ? i.maxWorkdirMB : i.maxWorkdirMB ? Math.min(disk, i.maxWorkdirMB) : disk;
  const cpu = cpuMHz();
  const mem = memoryMB();
  return Object.freeze({
    siteName: i.siteName,
    computingElement: i.queue,
    prodSourceLabel: i.prodSourceLabel,
    node: env['PANDA_HOSTNAME'] || hostname(),
    ...(cpu !== undefined ? { cpu } : {}),
    ...(mem !== undefined ? { mem } : {}),
    ...(diskSpace !== undefined ? { diskSpace } : {}),
    ...(i.workingGroup ? { workingGroup: i.workingGroup } : {}),
    ...(i.jobType ? { jobType: i.jobType } : {}),
    ...(i.resourceType ? { resourceType: i.resourceType } : {}),
  });
}

/** pilot3 `validate_resource_type`: empty, SCORE, MCORE, or SCORE_* / MCORE_*. */
export function isResourceType(value: string): boolean {
  return /^(|SCORE|MCORE|SCORE_.*|MCORE_.*)$/.test(value);
}

function freeMB(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Math.floor((s.bavail * s.bsize) / (1024 * 1024));
  } catch {
    return undefined; // not made yet: the queue's limit (if any) is all we can say
  }
}

/** /proc/cpuinfo `cpu MHz` of the first CPU (pilot3 get_cpu_frequency). */
function cpuMHz(): number | undefined {
  const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readProc('/proc/cpuinfo'));
  return m ? Number(m[1]) : undefined;
}

/** /proc/meminfo `MemTotal` in MB, 2 decimals (pilot3 get_total_memory). */
function memoryMB(): number | undefined {
  const m = /^MemTotal:\s*(\d+)\s*kB/m.exec(readProc('/proc/meminfo'));
  return m ? Math.round((Number(m[1]) / 1024) * 100) / 100 : undefined;
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
