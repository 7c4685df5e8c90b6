/**
 * The pilot as production runs it: `node dist/cli/main.js run ...` (or `recover`) in its
 * own process, stdout and stderr into `logs/<name>.{out,err}`. The driver can signal it,
 * SIGKILL it with everything it started (a crash), and wait for it with a hard limit; what
 * it did to the process is kept for the checker (signal and exit times).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../plugins/panda-local/index.js';
import { descendantsOf } from '../helpers/child-watch.js';
import type { RunSite } from './run-site.js';

export interface PilotExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
  /** The driver killed it after the run's hard limit (an I4 violation), or on purpose (`crash`). */
  readonly killedBy?: 'hard-limit' | 'crash';
}

export interface PilotRecord {
  readonly name: string;
  readonly role: 'run' | 'recover';
  readonly pid: number;
  readonly startedAt: number;
  /** Signals the driver sent, in order. */
  readonly signals: { readonly at: number; readonly signal: NodeJS.Signals }[];
  exit?: PilotExit;
  readonly logFiles: readonly string[];
}

export class PilotProcess {
  readonly record: PilotRecord;
  private readonly exited: Promise<PilotExit>;
  private killedBy: PilotExit['killedBy'];

  private constructor(private readonly child: ChildProcess, name: string, role: PilotRecord['role'], logFiles: string[], private readonly hardLimitMs: number) {
    this.record = { name, role, pid: child.pid!, startedAt: Date.now(), signals: [], logFiles };
    this.exited = once(child, 'exit').then(([code, signal]) => {
      const exit: PilotExit = { code: code as number | null, signal: signal as NodeJS.Signals | null, at: Date.now(), ...(this.killedBy ? { killedBy: this.killedBy } : {}) };
      this.record.exit = exit;
      return exit;
    });
  }

  /**
   * `espilot run` (one job unless `maxJobs`) or `espilot recover` against the site.
   * `fsizeLimit` runs it under `prlimit --fsize` (RLIMIT_FSIZE: writes beyond it fail with EFBIG).
   */
  static start(site: RunSite, o: { name: string; role?: PilotRecord['role']; maxJobs?: number; fsizeLimit?: number; umask?: number }): PilotProcess {
    const role = o.role ?? 'run';
    const main = join(packageRoot(), 'dist', 'cli', 'main.js');
    const common = ['--queue', site.queuePath, '--config', site.sitePath, '--log-level', 'debug'];
    const args = role === 'run'
      ? [main, 'run', ...common, '--workdir', site.workdir, '--max-jobs', String(o.maxJobs ?? 1), '--no-recover']
      : [main, 'recover', ...common, '--workdir', site.workdir];
    const out = join(site.logDir, `${o.name}.out`);
    const err = join(site.logDir, `${o.name}.err`);
    const fds = [openSync(out, 'a', 0o600), openSync(err, 'a', 0o600)] as const;
    let [cmd, argv] = o.fsizeLimit ? ['prlimit', [`--fsize=${o.fsizeLimit}`, process.execPath, ...args]] : [process.execPath, args];
    // `umask` starts it from a shell that set that umask first (as a careless site would).
    if (o.umask !== undefined) [cmd, argv] = ['/bin/sh', ['-c', `umask ${o.umask.toString(8).padStart(3, '0')} && exec "$0" "$@"`, cmd, ...argv]];
    // No secret in the environment: the pilot reads its token from a file and gets the S3 keys from getKeyPair.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: site.dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const child = spawn(cmd, argv as string[], { cwd: site.dir, env, stdio: ['ignore', fds[0], fds[1]] });
    for (const fd of fds) closeSync(fd);
    return new PilotProcess(child, o.name, role, [out, err], site.timings.hardLimitMs);
  }

  get pid(): number {
    return this.record.pid;
  }

  signal(signal: NodeJS.Signals): void {
    this.record.signals.push({ at: Date.now(), signal });
    this.child.kill(signal);
  }

  /** SIGKILL the pilot and everything below it (its payload runs in a group of its own). @returns when. */
  crash(why: NonNullable<PilotExit['killedBy']> = 'crash'): number {
    const below = descendantsOf(this.pid);
    this.killedBy = why;
    const at = Date.now();
    this.record.signals.push({ at, signal: 'SIGKILL' });
    for (const pid of [this.pid, ...below]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return at;
  }

  /** Waits for the exit; past the run's hard limit the pilot and its children are killed (the checker reports it). */
  async wait(limitMs = this.hardLimitMs): Promise<PilotExit> {
    const timer = setTimeout(() => this.crash('hard-limit'), Math.max(0, this.record.startedAt + limitMs - Date.now()));
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs `espilot recover` on the site's work directory to its end. */
export async function runRecovery(site: RunSite, name = 'recover'): Promise<PilotRecord> {
  const p = PilotProcess.start(site, { name, role: 'recover' });
  await p.wait();
  return p.record;
}
