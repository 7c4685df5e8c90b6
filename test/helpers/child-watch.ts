/**
 * Watches this process's children through /proc, independently of how they were started:
 * every new child's argv and environment are read while it runs. Tests use it to prove that
 * no child the pilot starts sees a secret, even one started behind the CommandRunner's back.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ChildSnapshot {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly environ: readonly string[];
}

export interface ChildWatch {
  /** Stops polling and returns every child seen (those that lived long enough to be read). */
  stop(): ChildSnapshot[];
}

/** Polls /proc every `intervalMs` for processes whose parent is this one. */
export function watchChildren(intervalMs = 2): ChildWatch {
  const seen = new Map<number, ChildSnapshot>();
  const scan = () => {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (seen.has(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== process.pid) continue;
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
        // A child still between fork and exec shows the parent's argv: wait for its own.
        if (argv[0] === process.argv[0] && argv[1] === process.argv[1]) continue;
        seen.set(pid, { pid, argv, environ });
      } catch {
        // gone already
      }
    }
  };
  const timer = setInterval(scan, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      scan();
      return [...seen.values()];
    },
  };
}
