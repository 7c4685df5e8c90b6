/**
 * Who is left in a process group. Linux: read from /proc, ignoring zombies (an orphan's
 * zombie stays until PID 1 reaps it, which in a container may be never). Elsewhere: whether
 * the group can still be signalled at all.
 */
import { readdir, readFile } from 'node:fs/promises';

export async function groupHasLiveMembers(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  const pids = await readdir('/proc').catch(() => undefined);
  if (!pids) return true;
  for (const name of pids) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // Fields after the command (which may hold spaces): state ppid pgrp ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

/** Signals a process group; with signal 0, tells whether it can still be signalled. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: nobody left; EPERM: members run as another user (glExec), not ours to reap.
    return false;
  }
}
