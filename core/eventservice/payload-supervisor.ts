/**
 * Watches a running payload: kills it (SIGTERM to its process group, SIGKILL after
 * `killGraceS`) when asked, when it stays silent longer than `maxWaitForEventS`, or when it
 * outlives its grace after `No more events`. Timers only: nothing polls.
 */
import { existsSync } from 'node:fs';
import { processTree } from '../util/process-table.js';
import type { PayloadExit, PayloadProcess } from '../contracts/payload-launcher.js';
import type { Logger } from '../logging/logger.js';

export type TerminationCause = 'stuck' | 'grace' | 'kill' | 'helper' | 'bookkeeping';

export class PayloadSupervisor {
  private readonly timers = new Set<NodeJS.Timeout>();
  private exited: PayloadExit | undefined;
  private terminating = false;
  private graceArmed = false;
  private onTerminate: (() => void) | undefined;
  private readonly terminated = new Promise<void>((resolve) => { this.onTerminate = resolve; });
  cause: TerminationCause | undefined;
  reason: string | undefined;

  constructor(private readonly proc: PayloadProcess, private readonly killGraceMs: number, private readonly log: Logger) {
    void proc.exit.then((e) => {
      this.exited = e;
      this.clear();
    });
  }

  get hasExited(): boolean {
    return this.exited !== undefined;
  }

  /** SIGTERM to the group now, SIGKILL after the kill grace. The first cause is kept. */
  terminate(cause: TerminationCause, reason: string): void {
    if (this.exited) return;
    if (!this.cause) {
      this.cause = cause;
      this.reason = reason;
    }
    if (this.terminating) return;
    this.terminating = true;
    this.onTerminate?.();
    this.log.warn(`stopping the payload (pid ${this.proc.pid}): ${reason}`);
    this.proc.kill('SIGTERM');
    this.after(this.killGraceMs, () => {
      this.log.warn(`payload still running ${this.killGraceMs / 1000} s after SIGTERM: SIGKILL`);
      this.proc.kill('SIGKILL');
    });
  }

  /** Terminates the payload when `lastActivity()` is older than `maxWaitMs`. */
  watchSilence(lastActivity: () => number, maxWaitMs: number): void {
    const check = () => {
      const idle = Date.now() - lastActivity();
      if (idle >= maxWaitMs) this.terminate('stuck', `no message from the payload for ${Math.round(idle / 1000)} s (maxWaitForEventS)`);
      else this.after(maxWaitMs - idle, check);
    };
    this.after(maxWaitMs, check);
  }

  /** Terminates the payload if it has not exited `ms` from now. Only the first call counts. */
  startGrace(ms: number, why: string): void {
    if (this.graceArmed || this.exited) return;
    this.graceArmed = true;
    this.log.info(`${why}: the payload has ${ms / 1000} s to finish`);
    this.after(ms, () => this.terminate('grace', `payload still running ${ms / 1000} s after ${why}`));
  }

  /**
   * The payload's exit. After a termination request it waits at most twice the kill grace
   * more, then gives up (a process stuck in the kernel must not hang the pilot).
   */
  async waitExit(): Promise<PayloadExit | undefined> {
    const exit = await Promise.race([this.proc.exit, this.terminatedTimeout()]);
    this.clear();
    if (exit) await this.reapGroup();
    return exit;
  }

  /**
   * The payload's first process ended; anything left in its process group (a worker that
   * ignored SIGTERM under a shell that did not) gets SIGTERM, then SIGKILL after the kill
   * grace. The group id stays reserved while members live, so no stranger is signalled.
   */
  private async reapGroup(): Promise<void> {
    const group = this.proc.pid;
    if (!(await groupHasLiveMembers(group))) return;
    this.log.warn(`the payload left processes in its group ${group}: SIGTERM`);
    signalGroup(group, 'SIGTERM');
    const deadline = Date.now() + this.killGraceMs;
    while (Date.now() < deadline && (await groupHasLiveMembers(group))) await new Promise((r) => setTimeout(r, 50));
    if (await groupHasLiveMembers(group)) {
      this.log.warn(`processes left in group ${this.proc.pid} after ${this.killGraceMs / 1000} s: SIGKILL`);
      signalGroup(group, 'SIGKILL');
    }
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async terminatedTimeout(): Promise<undefined> {
    await this.terminated;
    await new Promise<void>((resolve) => this.after(this.killGraceMs * 2 + 1000, resolve));
    return undefined;
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
  }
}

/**
 * Who is left in a process group. Linux: read from /proc, ignoring zombies (an orphan's
 * zombie stays until PID 1 reaps it, which in a container may be never). Elsewhere: whether
 * the group can still be signalled at all.
 */
export async function groupHasLiveMembers(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  if (!existsSync('/proc/self')) return true;
  return processTree(new Set([pgid])).some((p) => p.pgrp === pgid);
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
