/**
 * One prmon-like sample of a payload's process tree, read from /proc: every live process in
 * the watched process groups and every descendant of them (a payload that calls setsid()
 * stays counted through its parent). Reads are synchronous: a handful of small files per
 * process is cheaper than a round trip through the thread pool per file.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

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

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly utime: number;
  readonly stime: number;
  readonly threads: number;
}

/** The processes in `pgids` and their descendants (zombies excluded). */
export function findTree(pgids: ReadonlySet<number>): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSafe('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const s = readStat(Number(name));
    if (s) all.push(s);
  }
  const inTree = new Set<number>();
  for (const s of all) if (pgids.has(s.pgrp)) inTree.add(s.pid);
  // Descendants that left the group: repeat until no new parent-child link adds one.
  for (let grew = true; grew;) {
    grew = false;
    for (const s of all) {
      if (!inTree.has(s.pid) && inTree.has(s.ppid)) {
        inTree.add(s.pid);
        grew = true;
      }
    }
  }
  return all.filter((s) => inTree.has(s.pid));
}

/** Samples the tree of `pgids` now. */
export function sampleProcessTree(pgids: ReadonlySet<number>, now: number = Date.now()): ProcessTreeSample {
  const tree = findTree(pgids);
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

function readStat(pid: number): ProcStat | undefined {
  const text = readSafe(`/proc/${pid}/stat`);
  if (!text) return undefined;
  // Fields after the parenthesised command name (which may hold spaces and parentheses).
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z' || f[0] === 'X') return undefined;
  const ticks = (i: number) => Number(f[i]) || 0;
  return {
    pid,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    utime: (ticks(11) + ticks(13)) / TICKS_PER_SECOND,
    stime: (ticks(12) + ticks(14)) / TICKS_PER_SECOND,
    threads: ticks(17),
  };
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

function readSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined; // the process ended, or /proc/<pid>/io of another user
  }
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
