/**
 * Uploads each range's outputs as soon as the payload reports them, at most `concurrency`
 * ranges at a time, through the es_events movers (with retries and mover fallback) and, if
 * that fails, the es_failover storage. A range is stored only when every one of its files
 * was stored and verified by a mover and its checksum recorded in the destination's store.
 */
import { ErrorCodes } from '../errors/error-codes.js';
import { toPilotError, type PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import type { BoundDestination, RetryPolicy } from '../contracts/job-binding.js';
import { stageOutTo } from '../staging/bound-transfers.js';
import { formatChecksum } from '../staging/checksum.js';
import type { StoredObject } from './journal-records.js';

export interface OutputFile {
  readonly localPath: string;
  readonly objectName: string;
  /** The folder the file must still be inside when it is uploaded (the job's real work directory). */
  readonly within?: string;
}

export interface OutputUpload {
  readonly rangeId: string;
  readonly files: readonly OutputFile[];
}

/** What the engine needs from a stage-out: take uploads, and say when all are done. */
export interface OutputStager {
  push(upload: OutputUpload): void;
  /** Resolves when nothing is queued or running (or the stager was aborted). */
  drain(): Promise<void>;
  /**
   * Resolves when no transfer is running any more, aborted or not: after an abort, the
   * transfers still finishing write their outcome to the journal, which must stay open until then.
   */
  settled(): Promise<void>;
}

export interface StageOutQueueOptions {
  readonly concurrency: number;
  readonly primary: BoundDestination;
  readonly failover?: BoundDestination;
  /** Overrides each destination's own retry policy (the binding's: stageoutretry and pilot.transfers backoff). */
  readonly retry?: RetryPolicy;
  readonly log: Logger;
  /** Called once per range; the range may be reported only after this resolves. */
  readonly onStored: (rangeId: string, objects: readonly StoredObject[]) => Promise<void>;
  readonly onFailed: (rangeId: string, error: PilotError) => Promise<void>;
  /** Aborts running transfers; queued uploads are then left undone (the journal keeps them). */
  readonly signal?: AbortSignal;
}

export class StageOutQueue implements OutputStager {
  private readonly waiting: OutputUpload[] = [];
  private active = 0;
  private idle: Array<() => void> = [];
  private quiet: Array<() => void> = [];

  constructor(private readonly opts: StageOutQueueOptions) {
    opts.signal?.addEventListener('abort', () => {
      this.waiting.length = 0;
      this.notifyIfIdle();
    }, { once: true });
  }

  push(upload: OutputUpload): void {
    if (this.opts.signal?.aborted) return;
    this.waiting.push(upload);
    this.pump();
  }

  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  settled(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.quiet.push(resolve));
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && (this.active === 0 || Boolean(this.opts.signal?.aborted));
  }

  private pump(): void {
    while (this.active < this.opts.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.active++;
      void this.run(next).finally(() => {
        this.active--;
        this.pump();
        this.notifyIfIdle();
      });
    }
  }

  private async run(upload: OutputUpload): Promise<void> {
    let objects: StoredObject[];
    try {
      objects = [];
      for (const f of upload.files) objects.push(await this.store(f));
    } catch (err) {
      // Cut short by the job's end: the output stays pending in the journal, not failed.
      if (this.opts.signal?.aborted) return;
      const e = toPilotError(err, ErrorCodes.STAGEOUTFAILED, `range ${upload.rangeId}`);
      await this.opts.onFailed(upload.rangeId, e).catch((cbErr: Error) => this.opts.log.error(`range ${upload.rangeId}: ${cbErr.message}`));
      return;
    }
    await this.opts.onStored(upload.rangeId, objects).catch((cbErr: Error) => this.opts.log.error(`range ${upload.rangeId}: ${cbErr.message}`));
  }

  private async store(file: OutputFile): Promise<StoredObject> {
    const { primary, failover, log, signal } = this.opts;
    try {
      return await this.storeAt(primary, file);
    } catch (err) {
      if (!failover || signal?.aborted) throw err;
      log.warn(`storing ${file.objectName} at ${primary.activity} failed, trying ${failover.activity}: ${(err as Error).message}`);
      try {
        return await this.storeAt(failover, file);
      } catch (err2) {
        log.warn(`${failover.activity} failed as well: ${(err2 as Error).message}`);
        throw err; // pilot3 keeps the first error code
      }
    }
  }

  /** Stored means copied, verified by a mover and its checksum recorded in the destination's store. */
  private async storeAt(dest: BoundDestination, file: OutputFile): Promise<StoredObject> {
    const url = dest.url(file.objectName);
    const source = file.within !== undefined ? { within: file.within } : {};
    const out = await stageOutTo(dest, { localPath: file.localPath, url, ...(this.opts.signal ? { signal: this.opts.signal } : {}) }, this.opts.log, this.opts.retry ?? dest.retry, source);
    return { path: file.localPath, objectName: file.objectName, url: out.url, size: out.size, checksum: formatChecksum(out.checksum), mover: out.mover };
  }

  private notifyIfIdle(): void {
    if (this.isIdle()) for (const r of this.idle.splice(0)) r();
    if (this.active === 0) for (const r of this.quiet.splice(0)) r();
  }
}
