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

/**
 * Polls /proc every `intervalMs` for processes whose parent is this one, or with
 * `descendants`, for every process below this one (children of children: a pilot's payload
 * and whatever the payload starts).
 */
export function watchChildren(intervalMs = 2, options: { descendants?: boolean } = {}): ChildWatch {
  const seen = new Map<number, ChildSnapshot>();
  const scan = () => {
    const parents = options.descendants ? parentMap() : undefined;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (seen.has(pid)) continue;
      try {
        const ppid = parents ? parents.get(pid) : parentOf(pid);
        if (ppid === undefined || !(ppid === process.pid || (parents && descends(pid, parents)))) continue;
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
        // A child still between fork and exec shows its parent's argv: wait for its own.
        const parentArgv = ppid === process.pid ? process.argv : readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        if (argv[0] === parentArgv[0] && argv[1] === parentArgv[1]) continue;
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

/** The parent of a process (from /proc/<pid>/stat); throws when it is gone. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** pid → parent pid of every process now. */
export function parentMap(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.set(Number(name), parentOf(Number(name)));
    } catch {
      // gone
    }
  }
  return out;
}

function descends(pid: number, parents: ReadonlyMap<number, number>, root = process.pid): boolean {
  for (let p = parents.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parents.get(p), hops++) {
    if (p === root) return true;
  }
  return false;
}

/** Every process below `root` now (children, their children, ...). */
export function descendantsOf(root: number): number[] {
  const parents = parentMap();
  return [...parents.keys()].filter((pid) => pid !== root && descends(pid, parents, root));
}
