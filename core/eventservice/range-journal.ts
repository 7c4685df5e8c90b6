/**
 * The append-only range journal: one JSON record per line (journal-codec.ts), each durable
 * before `append` resolves: an O_DSYNC write, or, with the run's `Syncer`, a write and an
 * fdatasync that shares its batch with the movers' syncs. Concurrent appends are written
 * together (group commit), so a busy pilot pays one disk sync for many records.
 *
 * Every `checkpointEvery` records it writes a checkpoint of the unfinished ranges
 * (journal-checkpoint.ts) from the state its source (the tracker) holds when a batch leaves:
 * exactly the state after that batch, since every record is applied in memory before it is
 * queued. A checkpoint that cannot be written is logged by its source and skipped; the
 * journal alone stays complete.
 *
 * Once a write fails the journal refuses every later append: acting on a transition that
 * was not recorded could report a range twice or lose it after a restart.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { noLocalSpaceError } from '../errors/disk-errors.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Syncer } from '../util/sync-batcher.js';
import { encodeJournalRecord, encodeRangeState } from './journal-codec.js';
import { lastLineMark, writeCheckpoint } from './journal-checkpoint.js';
import { JOURNAL_VERSION, type DoneTally, type JournalJobHeader, type JournalRecord, type RangeState } from './journal-records.js';

export interface RangeJournalOptions {
  /** The run's fsync group commit; without it each batch is an O_DSYNC write. */
  readonly syncs?: Syncer;
  /** Records between two checkpoints (default 100,000). */
  readonly checkpointEvery?: number;
}

/** What a checkpoint holds, read synchronously from the tracker. */
export interface CheckpointSource {
  readonly tally: Readonly<DoneTally>;
  readonly unfinished: () => Iterable<Readonly<RangeState>>;
  /** A checkpoint could not be written (the journal goes on without it). */
  readonly onError: (err: Error) => void;
}

const DEFAULT_CHECKPOINT_EVERY = 100_000;

interface Pending {
  readonly record: JournalRecord;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

const noop = (): void => undefined;
/** Minimum time between two disk syncs of the journal (group commit window under load). */
const SYNC_GAP_MS = 2;

const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;

export class RangeJournal {
  private pending: Pending[] = [];
  private writing = false;
  private kickPending = false;
  private lastWriteAt = -Infinity;
  private loop: Promise<void> = Promise.resolve();
  /** Records appended and disk writes made (group commit puts many records in one write). */
  readonly stats = { records: 0, writes: 0, checkpoints: 0 };
  /** The write error that stopped the journal, if any. */
  failure: PilotError | undefined;
  private closed = false;
  private source: CheckpointSource | undefined;
  private sinceCheckpoint = 0;
  private readonly every: number;

  private constructor(
    readonly path: string, private readonly fh: FileHandle, private readonly opts: RangeJournalOptions,
    private job: JournalJobHeader | undefined, private size: number, private records: number,
  ) {
    this.every = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  }

  /** Who provides the checkpoints' content (the tracker); none: no checkpoints. */
  checkpointFrom(source: CheckpointSource): void {
    this.source = source;
  }

  /**
   * Creates a new journal for a job and writes its header durably.
   * @throws PilotError FILEHANDLINGFAILURE (1303) when the file exists or cannot be written.
   */
  static async create(path: string, job: JournalJobHeader, opts: RangeJournalOptions = {}): Promise<RangeJournal> {
    const fh = await openOrThrow(path, flags(FLAGS | constants.O_EXCL, opts), 'create');
    const journal = new RangeJournal(path, fh, opts, job, 0, 0);
    await syncDir(dirname(path));
    await journal.append({ t: 'job', v: JOURNAL_VERSION, job });
    return journal;
  }

  /**
   * Opens an existing journal to append to it (a restarted pilot finishing a job; read it
   * first with `replayRangeJournal`; `at` is what it read: checkpoints need the header and the
   * record count).
   * @throws PilotError FILEHANDLINGFAILURE (1303) when it cannot be opened.
   */
  static async reopen(path: string, at?: { readonly job: JournalJobHeader; readonly records: number }, opts: RangeJournalOptions = {}): Promise<RangeJournal> {
    const fh = await openOrThrow(path, flags(constants.O_RDWR | constants.O_APPEND, opts), 'reopen');
    let size: number;
    try {
      size = await dropTornTail(fh);
    } catch (err) {
      await fh.close();
      throw new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `cannot repair range journal ${path}: ${(err as Error).message}`, { recoverable: false, cause: err });
    }
    return new RangeJournal(path, fh, opts, at?.job, size, at?.records ?? 0);
  }

  /**
   * Appends one record; resolves once it is on disk.
   * @throws PilotError NOLOCALSPACE (1098) when this or an earlier write found the disk full,
   * FILEHANDLINGFAILURE (1303) when it failed otherwise or after close().
   */
  append(record: JournalRecord): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `range journal ${this.path} is closed`, { recoverable: false }));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.writing) this.loop = this.writeLoop();
    });
  }

  /**
   * Appends records that need not be durable before the caller acts: they are written in
   * order with the next batch, so any later durable record also makes them durable. Used
   * for transitions a restarted pilot would handle the same way without them (see RangeTracker).
   * A write failure shows up as `failed` and in the next `append`.
   */
  appendLazily(record: JournalRecord): void {
    if (this.failure || this.closed) return;
    this.pending.push({ record, resolve: noop, reject: noop });
    // Not now: the caller is about to act (reply to the payload); the next durable append
    // or the next turn of the event loop takes it along.
    if (!this.writing && !this.kickPending) {
      this.kickPending = true;
      setImmediate(() => {
        this.kickPending = false;
        if (!this.writing && this.pending.length > 0) this.loop = this.writeLoop();
      });
    }
  }

  /** Appends several records in one write; resolves once all are on disk. */
  appendAll(records: readonly JournalRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    for (const r of records.slice(0, -1)) this.appendLazily(r);
    return this.append(records[records.length - 1]!);
  }

  /** True once a write failed; the job must stop acting on ranges. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Waits for queued records, then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.writing && this.pending.length > 0) this.loop = this.writeLoop();
    await this.loop;
    await this.fh.close().catch(() => undefined);
  }

  private async writeLoop(): Promise<void> {
    this.writing = true;
    while (this.pending.length > 0) {
      // Under load, gather records for a moment: one disk sync for many (at most one sync per
      // SYNC_GAP_MS); an idle journal writes at once.
      const wait = this.lastWriteAt + SYNC_GAP_MS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.lastWriteAt = performance.now();
      const batch = this.pending;
      this.pending = [];
      try {
        let text = '';
        for (const p of batch) {
          text += encodeJournalRecord(p.record);
          if (p.record.t === 'job') this.job ??= p.record.job;
        }
        // Taken now: the source's state is exactly the file's once this batch is written.
        this.sinceCheckpoint += batch.length;
        const checkpoint = this.sinceCheckpoint >= this.every ? this.takeCheckpoint() : undefined;
        this.stats.records += batch.length;
        this.stats.writes++;
        const buf = Buffer.from(text, 'utf8');
        await writeAll(this.fh, buf);
        if (this.opts.syncs) await this.opts.syncs.file(this.fh);
        this.size += buf.length;
        this.records += batch.length;
        for (const p of batch) p.resolve();
        if (checkpoint) await this.writeCheckpoint(checkpoint, buf);
      } catch (err) {
        this.failure = journalWriteError(this.path, err);
        for (const p of [...batch, ...this.pending]) p.reject(this.failure);
        this.pending = [];
      }
    }
    this.writing = false;
  }

  private takeCheckpoint(): { tally: DoneTally; body: string } | undefined {
    if (!this.source || !this.job) return undefined;
    this.sinceCheckpoint = 0;
    let body = '';
    for (const s of this.source.unfinished()) body += encodeRangeState(s);
    return { tally: { ...this.source.tally }, body };
  }

  private async writeCheckpoint(cp: { tally: DoneTally; body: string }, written: Buffer): Promise<void> {
    const sync = this.opts.syncs ? (fh: FileHandle) => this.opts.syncs!.file(fh) : (fh: FileHandle) => fh.sync();
    try {
      await writeCheckpoint(this.path, { job: this.job!, offset: this.size, records: this.records, mark: lastLineMark(written), tally: cp.tally }, cp.body, sync);
      this.stats.checkpoints++;
    } catch (err) {
      this.source?.onError(err as Error);
    }
  }
}

function flags(base: number, opts: RangeJournalOptions): number {
  return opts.syncs ? base : base | constants.O_DSYNC;
}

/**
 * Why the journal stopped: NOLOCALSPACE (1098) when the disk is full (ENOSPC, EDQUOT), the
 * job's disk code, recoverable (a later recovery on a disk with space finishes the job); else
 * FILEHANDLINGFAILURE (1303), final. Either way nothing in the failed batch was acted on.
 */
function journalWriteError(path: string, err: unknown): PilotError {
  return noLocalSpaceError(err, `range journal ${path}`)
    ?? new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `cannot write range journal ${path}: ${(err as Error).message}`, { recoverable: false, cause: err });
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    if (bytesWritten <= 0) throw new Error('short write');
    off += bytesWritten;
  }
}

/**
 * Cuts a last line the pilot died while writing, so new records start on a line of their own.
 * @returns the size after the cut.
 */
async function dropTornTail(fh: FileHandle): Promise<number> {
  const { size } = await fh.stat();
  if (size === 0) return 0;
  const tail = Buffer.alloc(Math.min(size, 1 << 20));
  await fh.read(tail, 0, tail.length, size - tail.length);
  if (tail[tail.length - 1] === 0x0a) return size;
  const nl = tail.lastIndexOf(0x0a);
  if (nl < 0 && size > tail.length) throw new Error('its torn last record is longer than 1 MiB');
  const cut = size - tail.length + nl + 1;
  await fh.truncate(cut);
  await fh.sync();
  return cut;
}

async function openOrThrow(path: string, flags: number, what: string): Promise<FileHandle> {
  try {
    return await open(path, flags, 0o600);
  } catch (err) {
    throw noLocalSpaceError(err, `range journal ${path} (${what})`)
      ?? new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `cannot ${what} range journal ${path}: ${(err as Error).message}`, { recoverable: false, cause: err });
  }
}

/** Makes the new file's directory entry durable too. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
