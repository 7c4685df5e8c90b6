/**
 * The machine's processes as /proc shows them: who is in which process group, whose child,
 * with how much CPU. One reader for the resource monitor, the payload supervisor and the
 * recovery that stops a dead pilot's payload. Reads are synchronous: a handful of small files
 * per process is cheaper than a round trip through the thread pool per file.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly utime: number;
  readonly stime: number;
  readonly threads: number;
}

/** The live processes in `pgids` and their descendants (zombies excluded). */
export function processTree(pgids: ReadonlySet<number>): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSafe('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const s = readProcStat(Number(name));
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

/** A live process's /proc/<pid>/stat; undefined for a zombie or a process gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  const text = readProcFile(`/proc/${pid}/stat`);
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

/** A /proc file, or undefined when the process ended or the file is not ours to read. */
export function readProcFile(path: string): string | undefined {
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
