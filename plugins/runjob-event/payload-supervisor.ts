/**
 * Watches a running payload: kills it (SIGTERM to its process group, SIGKILL after
 * `killGraceS`) when asked, when it stays silent longer than `maxWaitForEventS`, or when it
 * outlives its grace after `No more events`. Timers only: nothing polls.
 */
import type { Logger, PayloadExit, PayloadProcess } from '../../core/index.js';

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
    return exit;
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
