/**
 * One prmon-like sample of a payload's process tree, read from /proc: every live process in
 * the watched process groups and every descendant of them (a payload that calls setsid()
 * stays counted through its parent). Reads are synchronous: a handful of small files per
 * process is cheaper than a round trip through the thread pool per file.
 */
import { processTree, readProcFile as readSafe } from '../../util/process-table.js';

/** Memory in kB, I/O in bytes, CPU in seconds (prmon's units). */
export interface ProcessTreeSample {
  /** Unix seconds. */
  readonly time: number;
  readonly nprocs: number;
  readonly nthreads: number;
  readonly rss: number;
  readonly pss: number;
  readonly vmem: number;
  readonly swap: number;
  /** User/system CPU of the live processes plus the children they reaped (cutime/cstime). */
  readonly utime: number;
  readonly stime: number;
  readonly rchar: number;
  readonly wchar: number;
  readonly read_bytes: number;
  readonly write_bytes: number;
}

/** Samples the tree of `pgids` now. */
export function sampleProcessTree(pgids: ReadonlySet<number>, now: number = Date.now()): ProcessTreeSample {
  const tree = processTree(pgids);
  const acc = { nthreads: 0, rss: 0, pss: 0, vmem: 0, swap: 0, utime: 0, stime: 0, rchar: 0, wchar: 0, read_bytes: 0, write_bytes: 0 };
  for (const p of tree) {
    acc.utime += p.utime;
    acc.stime += p.stime;
    acc.nthreads += p.threads;
    const status = keyedKb(readSafe(`/proc/${p.pid}/status`), ['VmSize', 'VmRSS', 'VmSwap']);
    acc.vmem += status['VmSize'] ?? 0;
    acc.rss += status['VmRSS'] ?? 0;
    acc.swap += status['VmSwap'] ?? 0;
    acc.pss += keyedKb(readSafe(`/proc/${p.pid}/smaps_rollup`), ['Pss'])['Pss'] ?? 0;
    const io = keyedKb(readSafe(`/proc/${p.pid}/io`), ['rchar', 'wchar', 'read_bytes', 'write_bytes']);
    acc.rchar += io['rchar'] ?? 0;
    acc.wchar += io['wchar'] ?? 0;
    acc.read_bytes += io['read_bytes'] ?? 0;
    acc.write_bytes += io['write_bytes'] ?? 0;
  }
  return Object.freeze({ time: Math.round(now / 1000), nprocs: tree.length, ...acc });
}

/** `Key:   123 kB` / `key: 123` lines → numbers, only for `keys`. */
function keyedKb(text: string | undefined, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (!text) return out;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    if (!keys.includes(key)) continue;
    const n = parseInt(line.slice(colon + 1), 10);
    if (Number.isFinite(n)) out[key] = n;
  }
  return out;
}
