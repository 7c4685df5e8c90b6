/**
 * The pilot's own time limit (pilot3 `--lifetime`): whether a new job still fits, and the
 * drain of the running job before the limit. The one place these are decided: the pilot loop
 * asks `fitsJob` before each getJob and `watch`es each job.
 *
 * pilot3 aborts everything 3 min before its limit; here the job is drained first (softkill,
 * REACHEDMAXTIME: an ES job takes no new ranges, finishes and reports the ones in flight)
 * `marginS` before the limit, and killed only if it still runs at the limit.
 */
import type { LifetimeSettings } from '../../config/pilot-config.js';
import { ErrorCodes } from '../../errors/error-codes.js';
import type { Logger } from '../../logging/logger.js';
import type { JobControlSource } from '../job-control-source.js';

export class PilotLifetime {
  private readonly endsAt: number;
  private readonly drainAt: number;

  constructor(private readonly s: LifetimeSettings, readonly startedAt: number = Date.now()) {
    this.endsAt = startedAt + s.limitS * 1000;
    this.drainAt = this.endsAt - s.marginS * 1000;
  }

  /** Milliseconds until the running job is drained (negative once past). */
  msToDrain(now = Date.now()): number {
    return this.drainAt - now;
  }

  /** Why no new job may be taken now, or undefined when one fits. */
  refusesJob(now = Date.now()): string | undefined {
    const left = this.msToDrain(now) / 1000;
    if (left >= this.s.minJobTimeS) return undefined;
    return `pilot lifetime: ${Math.max(0, left).toFixed(1)} s left before the drain (lifetime ${this.s.limitS} s, margin ${this.s.marginS} s), less than the ${this.s.minJobTimeS} s a job needs (lifetime.minJobTimeS)`;
  }

  /**
   * Drains the job at `limit - margin`, kills it at the limit. Timers are unref'd.
   * @returns the stopper, to call when the job ends.
   */
  watch(control: JobControlSource, log: Logger, now = Date.now()): () => void {
    const drain = setTimeout(() => {
      log.warn(`pilot lifetime (${this.s.limitS} s) ends in ${this.s.marginS} s: draining the job (no new events, in-flight work finished and reported)`);
      control.requestSoftkill(ErrorCodes.REACHEDMAXTIME, `pilot lifetime of ${this.s.limitS} s reached (drained ${this.s.marginS} s before the limit)`);
    }, Math.max(0, this.drainAt - now));
    const kill = setTimeout(() => {
      log.error(`pilot lifetime (${this.s.limitS} s) reached with the job still running: killing the payload`);
      control.requestKill(ErrorCodes.REACHEDMAXTIME, `pilot lifetime of ${this.s.limitS} s reached`);
    }, Math.max(0, this.endsAt - now));
    drain.unref();
    kill.unref();
    return () => {
      clearTimeout(drain);
      clearTimeout(kill);
    };
  }
}
