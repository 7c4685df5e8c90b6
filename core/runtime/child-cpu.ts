import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds used by this process's children that have been waited for (cutime + cstime
 * of /proc/self/stat). A payload's own children are reaped by its shell, so their time is
 * included once the payload itself is reaped. 0 where /proc is not available.
 */
export function reapedChildrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name, which may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cutime = Number(fields[13]);
    const cstime = Number(fields[14]);
    return Number.isFinite(cutime + cstime) ? (cutime + cstime) / TICKS_PER_SECOND : 0;
  } catch {
    return 0;
  }
}
