/**
 * Sends final range outcomes to the server in batches (updateEventRanges), at most one
 * request at a time, and keeps every update until the server has answered for it: a failed
 * call puts the batch back and retries after a full-jitter backoff, as often as needed
 * (pilot1 dropped queued updates, pilot3 treated `None` as success: §6.3 defects 1 and 4).
 * A retry repeats the same update, so the server's first-write-wins guard makes it harmless.
 *
 * No polling: a timer is armed only while something waits to be sent.
 */
import type { EventRangeUpdate, EventRangeUpdateResult, ServerCommand } from '../contracts/panda-api.js';
import type { Logger } from '../logging/logger.js';
import { backoffDelay } from '../staging/transfer-service.js';

export interface RangeReporterOptions {
  readonly send: (updates: readonly EventRangeUpdate[]) => Promise<EventRangeUpdateResult>;
  /** Called with the server's answer before the next batch goes out (journals it). */
  readonly onResult: (acked: readonly string[], rejected: readonly string[]) => Promise<void>;
  /** Commands for the job that came back with an update (`softkill`, `tobekilled`). */
  readonly onCommands?: (commands: readonly ServerCommand[]) => void;
  readonly batchSize: number;
  /** How long a lone update may wait for company before it is sent. */
  readonly intervalMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly log: Logger;
}

export class RangeReporter {
  private queue: EventRangeUpdate[] = [];
  private oldestAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private sending = false;
  private failures = 0;
  private retryAt = 0;
  private flushers = 0;
  private closed = false;
  private progress: Array<() => void> = [];
  private sentBatches = 0;

  constructor(private readonly opts: RangeReporterOptions) {}

  /** Queues one final outcome. */
  enqueue(update: EventRangeUpdate): void {
    if (this.queue.length === 0) this.oldestAt = Date.now();
    this.queue.push(update);
    this.kick();
  }

  /** Updates not yet acknowledged (queued or in flight). */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Requests made so far (for tests and the job report). */
  get requests(): number {
    return this.sentBatches;
  }

  /**
   * Sends everything now and waits until the server acknowledged it all or `timeoutMs`
   * passed. @returns how many updates are still unacknowledged (they stay in the journal).
   */
  async flush(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    this.flushers++;
    try {
      this.kick();
      while (this.pending > 0 && !this.closed) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, left);
          function done() { clearTimeout(t); resolve(); }
          this.progress.push(done);
        });
      }
      return this.pending;
    } finally {
      this.flushers--;
    }
  }

  /** Stops sending; what is queued stays unacknowledged. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.notify();
  }

  private inFlight = 0;

  private kick(): void {
    if (this.sending || this.closed || this.queue.length === 0) return;
    const now = Date.now();
    const urgent = this.queue.length >= this.opts.batchSize || this.flushers > 0;
    const due = Math.max(urgent ? now : this.oldestAt + this.opts.intervalMs, this.retryAt);
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendBatch();
    }, Math.max(0, due - now));
  }

  private async sendBatch(): Promise<void> {
    if (this.sending || this.closed || this.queue.length === 0) return;
    this.sending = true;
    const batch = this.queue.splice(0, this.opts.batchSize);
    this.inFlight = batch.length;
    this.sentBatches++;
    try {
      const res = await this.opts.send(batch);
      this.failures = 0;
      this.retryAt = 0;
      const acked: string[] = [];
      const rejected: string[] = [];
      const missing: EventRangeUpdate[] = [];
      batch.forEach((u, i) => {
        const r = res.results[i];
        if (r === true) acked.push(u.eventRangeId);
        else if (r === false || r === null) rejected.push(u.eventRangeId);
        else missing.push(u);
      });
      if (rejected.length) this.opts.log.error(`the server refused the final status of ${rejected.length} range(s): ${rejected.slice(0, 10).join(', ')}`);
      if (missing.length) {
        this.opts.log.warn(`the server answered for ${batch.length - missing.length} of ${batch.length} updates; resending the rest`);
        this.requeue(missing);
      }
      if (res.commands.length) this.opts.onCommands?.(res.commands);
      await this.opts.onResult(acked, rejected).catch((err: Error) => this.opts.log.error(`cannot record acknowledged reports: ${err.message}`));
    } catch (err) {
      this.requeue(batch);
      this.retryAt = Date.now() + Math.max(10, backoffDelay(this.failures, this.opts.backoffBaseMs, this.opts.backoffMaxMs));
      this.failures++;
      this.opts.log.warn(`updateEventRanges of ${batch.length} range(s) failed (${this.failures} in a row), will retry: ${(err as Error).message}`);
    } finally {
      this.inFlight = 0;
      this.sending = false;
      this.kick();
      this.notify();
    }
  }

  private requeue(updates: EventRangeUpdate[]): void {
    if (this.queue.length === 0) this.oldestAt = Date.now();
    this.queue.unshift(...updates);
  }

  private notify(): void {
    for (const p of this.progress.splice(0)) p();
  }
}
