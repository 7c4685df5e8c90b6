/**
 * The checksum catalog of a `file://` store: one small JSON record per object in a hidden
 * `.espilot-checksums/` folder beside it, written by temp + fsync + rename. With the run's
 * `Syncer` the fsyncs join the run's sync batches (the mover's object and the journal's).
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, PilotError, refuseDotSegments, writeFileAtomic, type Checksum, type RecordedChecksums, type Syncer } from '../../core/index.js';

export const CATALOG_DIR = '.espilot-checksums';

/**
 * The local path a `file://` URL names. A URL with a `.` or `..` segment, raw or encoded
 * (`%2e%2e`), is refused before `fileURLToPath` would normalise it away: the core only hands
 * out URLs under a store's base, and a mover must not be talked into anything else.
 * @throws PilotError NOSTORAGEPROTOCOL (1313) for another scheme or a bad URL; FILEHANDLINGFAILURE (1303) for dot segments.
 */
export function localPathOf(url: string): string {
  if (!url.startsWith('file:')) {
    throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `not a file:// URL: ${url}`, { recoverable: false });
  }
  refuseDotSegments(url);
  try {
    return fileURLToPath(url);
  } catch (err) {
    throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `bad file:// URL ${url}: ${(err as Error).message}`, { recoverable: false });
  }
}

/** A checksum record written and being synced under a temp name (LocalChecksumCatalog.stage). */
export interface StagedRecord {
  readonly synced: Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  /** Folders to sync once committed. */
  readonly dirs: readonly string[];
}

export class LocalChecksumCatalog {
  constructor(private readonly syncs?: Syncer) {}

  private recordPath(objectPath: string): string {
    return join(dirname(objectPath), CATALOG_DIR, `${basename(objectPath)}.json`);
  }

  async record(objectPath: string, size: number, checksums: readonly Checksum[]): Promise<void> {
    const target = this.recordPath(objectPath);
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, JSON.stringify({ size, checksums }), 0o644);
  }

  /**
   * Writes the record for `objectPath` under a temp name and starts its fdatasync (the mover
   * syncs it in the same batch as the object's copy); `commit` renames it into place. Needs
   * the run's Syncer. The caller then syncs `dirs` (the catalog folder, and the store folder
   * when the catalog folder is new).
   */
  async stage(objectPath: string, size: number, checksums: readonly Checksum[]): Promise<StagedRecord> {
    const syncs = this.syncs;
    if (!syncs) throw new Error('LocalChecksumCatalog.stage needs the run\'s Syncer');
    const target = this.recordPath(objectPath);
    const made = await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    const fh = await open(tmp, 'w', 0o644);
    const synced = (async () => {
      try {
        await fh.writeFile(JSON.stringify({ size, checksums }));
        await syncs.file(fh);
      } finally {
        await fh.close();
      }
    })();
    // Awaited by the caller; an abort must not leave it unobserved.
    synced.catch(() => undefined);
    return {
      synced,
      commit: () => rename(tmp, target),
      abort: () => rm(tmp, { force: true }).catch(() => undefined),
      dirs: made !== undefined ? [dirname(target), dirname(dirname(target))] : [dirname(target)],
    };
  }

  async lookup(objectPath: string): Promise<RecordedChecksums | undefined> {
    let text: string;
    try {
      text = await readFile(this.recordPath(objectPath), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const doc = JSON.parse(text) as { size?: unknown; checksums?: unknown };
      const checksums = Array.isArray(doc.checksums)
        ? doc.checksums.filter((c): c is Checksum => typeof c?.value === 'string' && (c.type === 'adler32' || c.type === 'md5'))
        : [];
      return { ...(typeof doc.size === 'number' ? { size: doc.size } : {}), checksums };
    } catch {
      // A damaged record proves nothing; the caller falls back to what the request expects.
      return undefined;
    }
  }

  async remove(objectPath: string): Promise<void> {
    await rm(this.recordPath(objectPath), { force: true });
  }
}

