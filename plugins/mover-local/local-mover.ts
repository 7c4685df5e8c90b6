/**
 * SiteMover for `file://` URLs: local disks and shared file systems. Copies through a temp
 * name in the destination folder, fsyncs, verifies, and renames, so the final name only
 * ever holds a complete, verified file. Its syncs (the copy's data, the folder after the
 * rename, the checksum record) go through the run's `Syncer` (core/util/sync-batcher.ts):
 * concurrent uploads and the range journal share each batch, and a stage-out resolves only
 * once all of them completed.
 */
import { inject } from '../../core/index.js';
import { constants } from 'node:fs';
import { link, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  ChecksumAccumulator, ErrorCodes, LoggerToken, PLUGIN_API_VERSION, PilotError, SiteMover, checksumFile, checksumsEqual,
  SyncBatcherToken, fileSystemTransferError, mismatchKind, partialPath, pilotPlugin, transferError,
  type Checksum, type Logger, type RemoteObject, type Syncer, type TransferRequest, type TransferResult,
} from '../../core/index.js';
import { LocalChecksumCatalog, localPathOf, type StagedRecord } from './local-checksum-catalog.js';

const CHUNK = 4 * 1024 * 1024;

@pilotPlugin({
  provides: SiteMover,
  name: 'local',
  aliases: ['cp', 'mv', 'lsm'],
  schemeAliases: ['objectstore'],
  schemes: ['file'],
  apiVersion: PLUGIN_API_VERSION,
  description: 'file:// copy with temp name, fsync, verify, rename',
})
export class LocalMover implements SiteMover {
  private readonly catalog: LocalChecksumCatalog;

  constructor(@inject(LoggerToken) private readonly log: Logger, @inject(SyncBatcherToken) private readonly syncs: Syncer) {
    this.catalog = new LocalChecksumCatalog(syncs);
  }

  async stageOut(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const target = localPathOf(req.url);
    const source = await statOrUndefined(req.localPath);
    if (!source?.isFile()) throw new PilotError(ErrorCodes.MISSINGLOCALFILE, `local file ${req.localPath} does not exist`, { recoverable: false });
    if (req.overwrite === false && (await statOrUndefined(target))) {
      throw transferError('file-exists', 'out', `${req.url} already exists`);
    }
    await this.mkdirs(dirname(target), 'out');
    const tmp = partialPath(target);
    let record: StagedRecord | undefined;
    try {
      // The checksum record is written beside the copy, and both are synced in one batch.
      const sums = await copyFileDurably(req.localPath, tmp, req.signal, 'out', async (dst, copied) => {
        record = await this.catalog.stage(target, copied.size, copied.md5 ? [copied.adler32, copied.md5] : [copied.adler32]);
        await Promise.all([this.syncs.file(dst), record.synced]);
      }, req.checksum?.type === 'md5');
      if (req.size !== undefined && req.size !== sums.size) {
        throw transferError('size-mismatch', 'out', `size of ${req.localPath} is ${sums.size}, expected ${req.size}`);
      }
      const adler = sums.adler32;
      if (req.checksum && !checksumsEqual(req.checksum, req.checksum.type === 'adler32' ? adler : sums.md5!)) {
        throw mismatch('out', req.checksum, req.localPath);
      }
      // Read back what the file system holds: the copy must be proven, not assumed.
      const stored = await checksumFile(tmp, sums.md5 ? ['adler32', 'md5'] : ['adler32']);
      if (stored.size !== sums.size) throw transferError('size-mismatch', 'out', `stored ${stored.size} bytes of ${sums.size} for ${req.url}`, { recoverable: true });
      if (!checksumsEqual(stored.adler32, adler)) throw mismatch('out', adler, req.url);
      if (sums.md5 && !checksumsEqual(stored.md5!, sums.md5)) throw mismatch('out', sums.md5, req.url);
      if (req.overwrite === false) {
        try {
          await link(tmp, target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw transferError('file-exists', 'out', `${req.url} already exists`);
          throw err;
        }
        await rm(tmp, { force: true });
      } else {
        await rename(tmp, target);
      }
      await record!.commit();
      await Promise.all([this.syncs.dir(dirname(target)), ...record!.dirs.map((d) => this.syncs.dir(d))]);
      return { url: req.url, size: sums.size, checksum: adler, durationMs: Date.now() - started };
    } catch (err) {
      await rm(tmp, { force: true });
      await record?.abort();
      throw fileSystemTransferError(err, 'out', req.url);
    }
  }

  async stageIn(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const source = localPathOf(req.url);
    const st = await statOrUndefined(source);
    if (!st?.isFile()) throw transferError('no-such-file', 'in', `${req.url} does not exist`);
    // The core passes what the job or the store's record says; the catalog is read only when it did not.
    const recorded = req.checksum && req.size !== undefined ? undefined : await this.catalog.lookup(source);
    const expected = req.checksum ?? recorded?.checksums.find((c) => c.type === 'adler32') ?? recorded?.checksums[0];
    const expectedSize = req.size ?? recorded?.size;
    await this.mkdirs(dirname(req.localPath), 'in');
    const tmp = partialPath(req.localPath);
    try {
      // deferSync: the caller syncs every staged-in file together before the payload starts.
      const sums = await copyFileDurably(source, tmp, req.signal, 'in', req.deferSync ? async () => undefined : (dst) => this.syncs.file(dst), expected?.type === 'md5');
      if (expectedSize !== undefined && sums.size !== expectedSize) {
        throw transferError('size-mismatch', 'in', `${req.url} has ${sums.size} bytes, expected ${expectedSize}`);
      }
      const got = expected?.type === 'md5' ? sums.md5! : sums.adler32;
      if (expected && !checksumsEqual(expected, got)) throw mismatch('in', expected, req.url, got);
      await rename(tmp, req.localPath);
      if (!expected) this.log.warn(`${req.url}: no checksum to verify against (size ${expectedSize === undefined ? 'not verified either' : 'verified'})`);
      return { url: req.url, size: sums.size, checksum: sums.adler32, durationMs: Date.now() - started };
    } catch (err) {
      await rm(tmp, { force: true });
      throw fileSystemTransferError(err, 'in', req.url);
    }
  }

  async stat(url: string): Promise<RemoteObject | undefined> {
    const path = localPathOf(url);
    const st = await statOrUndefined(path);
    if (!st?.isFile()) return undefined;
    const recorded = await this.catalog.lookup(path);
    return { url, size: st.size, checksums: recorded?.checksums ?? [] };
  }

  async delete(url: string): Promise<void> {
    const path = localPathOf(url);
    await rm(path, { force: true });
    await this.catalog.remove(path);
  }

  private async mkdirs(dir: string, direction: 'in' | 'out'): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw fileSystemTransferError(err, direction, dir);
    }
  }
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}


type CopySums = { size: number; adler32: Checksum; md5?: Checksum };

/** Copies with a checksum of the bytes read, then `sync`s the copy (still open) before closing it. */
async function copyFileDurably(
  from: string, to: string, signal: AbortSignal | undefined, direction: 'in' | 'out', sync: (dst: FileHandle, sums: CopySums) => Promise<void>, md5 = false,
): Promise<CopySums> {
  const acc = new ChecksumAccumulator(md5 ? ['adler32', 'md5'] : ['adler32']);
  const src = await open(from, 'r');
  try {
    const dst = await open(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      // Sized to the file: ES outputs are often small, and a 4 MiB buffer per copy keeps the GC busy.
      const size = (await src.stat()).size;
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, size + 1)));
      for (;;) {
        if (signal?.aborted) {
          throw transferError('timeout', direction, `copy of ${from} aborted: ${String(signal.reason)}`);
        }
        const { bytesRead } = await src.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        const chunk = buf.subarray(0, bytesRead);
        acc.update(chunk);
        await dst.write(chunk);
      }
      const [adler32, md5sum] = acc.digest();
      const sums: CopySums = { size: acc.size, adler32: adler32!, ...(md5sum ? { md5: md5sum } : {}) };
      await sync(dst, sums);
      return sums;
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

function mismatch(direction: 'in' | 'out', expected: Checksum, what: string, got?: Checksum): PilotError {
  return transferError(mismatchKind(expected.type), direction, `${expected.type} mismatch for ${what}: expected ${expected.value}${got ? `, got ${got.value}` : ''}`);
}

