/**
 * Hands out event ranges one per `Ready for events`, fetching them from the server in
 * batches of `nRanges` and refilling in the background when the cache runs low, so a ready
 * payload rarely waits on the server. Fetched ranges are journaled (`record`) before anyone
 * can take them.
 *
 * It ends (every `next()` gives undefined, i.e. `No more events`) when the server has no
 * more ranges, when `stop()` is called (softkill, too many stage-out failures), or when
 * fetching kept failing for `retry.attempts` rounds (a failed fetch is retried with backoff,
 * never fatal on its own: pilot3 defect §6.3.5).
 */
import type { EventRange } from '../contracts/event-range.js';
import { PilotError } from '../errors/pilot-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import type { Logger } from '../logging/logger.js';
import { backoffDelay, sleep } from '../staging/transfer-service.js';

export interface EventRangeSourceOptions {
  /** One getEventRanges call (with its own deadline and inner retries). */
  readonly fetch: (nRanges: number) => Promise<readonly EventRange[]>;
  /** Journals fetched ranges; returns those not seen before. */
  readonly record: (ranges: readonly EventRange[]) => Promise<readonly EventRange[]>;
  readonly nRanges: number;
  /** Refill when this many or fewer ranges are cached. */
  readonly lowWater: number;
  /** Rounds of fetching before giving up, and the backoff between them. */
  readonly retry: { readonly attempts: number; readonly backoffBaseMs: number; readonly backoffMaxMs: number };
  readonly log: Logger;
}

export type SourceEnd = 'server-empty' | 'stopped' | 'fetch-failed';

export class EventRangeSource {
  private readonly cache: EventRange[] = [];
  private readonly waiters: Array<(r: EventRange | undefined) => void> = [];
  private fetching: Promise<void> | undefined;
  private ended: SourceEnd | undefined;
  private readonly abort = new AbortController();
  private fetchedCount = 0;
  /** The last fetch error, when fetching gave up. */
  lastError: PilotError | undefined;

  constructor(private readonly opts: EventRangeSourceOptions) {}

  /** Fetches the first batch now (before the payload is ready) and waits for it. */
  async prefetch(): Promise<number> {
    this.ensureFetch();
    await this.fetching;
    return this.cache.length;
  }

  /** A cached range right away, or undefined (then use `next()`). Never starts a wait. */
  take(): EventRange | undefined {
    if (this.ended === 'stopped') return undefined;
    const r = this.cache.shift();
    if (r) this.refillIfLow();
    return r;
  }

  /** The next range, waiting for the server if needed; undefined means `No more events`. */
  next(): Promise<EventRange | undefined> {
    const r = this.take();
    if (r) return Promise.resolve(r);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.ensureFetch();
    });
  }

  /** Ends the source: every later `next()` gives undefined. Cached ranges stay undispatched. */
  stop(reason: string): void {
    if (this.ended === 'stopped') return;
    this.opts.log.info(`no more ranges will be dispatched: ${reason}`);
    this.ended = 'stopped';
    this.abort.abort(new PilotError(ErrorCodes.ESKILLEDBYSERVER, reason, { recoverable: false }));
    this.serveWaiters();
  }

  /** Why the source ended, or undefined while it can still give ranges. */
  get end(): SourceEnd | undefined {
    return this.ended && (this.ended === 'stopped' || this.cache.length === 0) ? this.ended : undefined;
  }

  /** Ranges fetched so far (new ones only). */
  get fetched(): number {
    return this.fetchedCount;
  }

  private refillIfLow(): void {
    if (this.cache.length <= this.opts.lowWater) this.ensureFetch();
  }

  private ensureFetch(): void {
    if (this.fetching || this.ended) return;
    this.fetching = this.fetchWithRetry().finally(() => {
      this.fetching = undefined;
      this.serveWaiters();
    });
  }

  private async fetchWithRetry(): Promise<void> {
    const { retry, log } = this.opts;
    for (let n = 0; ; n++) {
      let got: readonly EventRange[];
      try {
        got = await this.opts.fetch(this.opts.nRanges);
      } catch (err) {
        if (this.ended) return;
        const e = err instanceof PilotError ? err : new PilotError(ErrorCodes.COMMUNICATIONFAILURE, String((err as Error)?.message ?? err), { cause: err });
        if (n + 1 >= retry.attempts || !e.recoverable) {
          log.error(`getEventRanges failed ${n + 1} time(s), giving up: ${e.codeName} ${e.message}`);
          this.lastError = e;
          this.ended = 'fetch-failed';
          return;
        }
        log.warn(`getEventRanges failed (round ${n + 1}/${retry.attempts}), retrying: ${e.codeName} ${e.message}`);
        try {
          await sleep(backoffDelay(n, retry.backoffBaseMs, retry.backoffMaxMs), this.abort.signal);
        } catch {
          return;
        }
        continue;
      }
      if (got.length === 0) {
        log.info(`the server has no more event ranges (${this.fetchedCount} fetched)`);
        this.ended ??= 'server-empty';
        return;
      }
      let fresh: readonly EventRange[];
      try {
        fresh = await this.opts.record(got);
      } catch (err) {
        // The journal failed: nothing may be dispatched that was not recorded.
        this.lastError = err instanceof PilotError ? err : new PilotError(ErrorCodes.FILEHANDLINGFAILURE, String(err), { cause: err });
        log.error(`cannot record fetched ranges: ${this.lastError.message}`);
        this.ended = 'fetch-failed';
        return;
      }
      this.fetchedCount += fresh.length;
      if (fresh.length === 0) {
        log.warn('the server only repeated ranges it had sent before; treating it as having no more');
        this.ended ??= 'server-empty';
        return;
      }
      if (this.ended !== 'stopped') this.cache.push(...fresh);
      return;
    }
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const r = this.take();
      if (r) {
        this.waiters.shift()!(r);
        continue;
      }
      if (this.ended) {
        for (const w of this.waiters.splice(0)) w(undefined);
        return;
      }
      this.ensureFetch();
      return;
    }
  }
}
