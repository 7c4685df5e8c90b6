/**
 * Group commit for fsync: callers that need a file's data or a directory's entries durable
 * ask here, and every request made while a batch is on the disk goes into the next batch,
 * which syncs each file once (fdatasync; concurrently, so the file system can share one
 * journal commit among them) and each directory once (fsync) for all its waiters. A request
 * resolves only once its own sync completed, so "durable before reported" holds exactly as
 * with a sync per call; a busy pilot pays a few sync rounds per batch instead of several
 * syncs per range. Node has no syncfs(2). The run's container holds one (SyncBatcherToken):
 * the range journal and the local mover share it.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

/** The system calls, as a seam: tests count them and hold them back. */
export interface SyncOps {
  /** fdatasync(2) of an open file. */
  datasync(fh: FileHandle): Promise<void>;
  /** fsync(2) of a directory. */
  syncDir(path: string): Promise<void>;
}

/** What a durability-minded writer needs: its file's data and its directory's entries on disk. */
export interface Syncer {
  /** Resolves once `fh`'s data (and the size) is on disk. The handle must stay open until then. */
  file(fh: FileHandle): Promise<void>;
  /** Resolves once `dir`'s entries (renames, links, new files done before the call) are on disk. */
  dir(dir: string): Promise<void>;
}

export const SYSTEM_SYNC: SyncOps = {
  datasync: (fh) => fh.datasync(),
  syncDir: async (path) => {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export interface SyncStats {
  /** Requests made. */
  requests: number;
  /** fdatasync and directory fsync calls made. */
  fileSyncs: number;
  dirSyncs: number;
  batches: number;
}

export class SyncBatcher implements Syncer {
  readonly stats: SyncStats = { requests: 0, fileSyncs: 0, dirSyncs: 0, batches: 0 };
  private files = new Map<FileHandle, Waiter[]>();
  private dirs = new Map<string, Waiter[]>();
  private running = false;
  private scheduled = false;

  constructor(private readonly ops: SyncOps = SYSTEM_SYNC) {}

  file(fh: FileHandle): Promise<void> {
    return this.wait(this.files, fh);
  }

  dir(dir: string): Promise<void> {
    return this.wait(this.dirs, dir);
  }

  private wait<K>(map: Map<K, Waiter[]>, key: K): Promise<void> {
    this.stats.requests++;
    return new Promise<void>((resolve, reject) => {
      const list = map.get(key);
      if (list) list.push({ resolve, reject });
      else map.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  /** The first request of a batch waits one turn of the event loop for company. */
  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.files.size > 0 || this.dirs.size > 0) {
      const files = this.files;
      const dirs = this.dirs;
      this.files = new Map();
      this.dirs = new Map();
      this.stats.batches++;
      this.stats.fileSyncs += files.size;
      this.stats.dirSyncs += dirs.size;
      await Promise.all([
        ...[...files].map(([fh, ws]) => settle(this.ops.datasync(fh), ws)),
        ...[...dirs].map(([dir, ws]) => settle(this.ops.syncDir(dir), ws)),
      ]);
    }
    this.running = false;
  }
}

/** One sync per call, no batching: the path before the batcher (a benchmark's baseline). */
export class DirectSyncer implements Syncer {
  constructor(private readonly ops: SyncOps = SYSTEM_SYNC) {}

  file(fh: FileHandle): Promise<void> {
    return this.ops.datasync(fh);
  }

  dir(dir: string): Promise<void> {
    return this.ops.syncDir(dir);
  }
}

async function settle(p: Promise<void>, waiters: readonly Waiter[]): Promise<void> {
  try {
    await p;
    for (const w of waiters) w.resolve();
  } catch (err) {
    for (const w of waiters) w.reject(err as Error);
  }
}
