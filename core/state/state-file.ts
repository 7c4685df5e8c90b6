/**
 * Files a dead pilot's successor must be able to trust: written to a temp name, fsynced,
 * renamed over the old one, and the folder fsynced, so a reader sees the old or the new
 * content, never a torn one. Write errors are the file system's (ENOSPC, ...): callers
 * classify them (disk-errors.ts), since the same file system error means NOLOCALSPACE in a job
 * directory and NOREMOTESPACE on a storage element.
 */
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The mode of every directory the pilot makes for itself (work root, pilot and job folders):
 * `mkdir`'s mode is only ever narrowed by the umask, so they are private whatever it is.
 */
export const PRIVATE_DIR_MODE = 0o700;

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await writeChunksAtomic(path, [data], mode);
}

/**
 * Like writeFileAtomic for content produced in pieces (a large report): the pieces are
 * written as they come, in batches, so the whole text is never in memory at once.
 */
export async function writeChunksAtomic(path: string, chunks: Iterable<string | Uint8Array>, mode = 0o600): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  // Any failure (a full disk fails the open, a write, the sync or the close) leaves the old
  // file as it was and no temp file behind; the error is the file system's, for the caller.
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await writeAll(fh, chunks);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function writeAll(fh: FileHandle, chunks: Iterable<string | Uint8Array>): Promise<void> {
  let batch = '';
  for (const c of chunks) {
    if (typeof c !== 'string') {
      if (batch) await fh.write(batch);
      batch = '';
      await fh.write(c);
      continue;
    }
    batch += c;
    if (batch.length >= 1 << 18) {
      await fh.write(batch);
      batch = '';
    }
  }
  if (batch) await fh.write(batch);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** @returns the file's text, or undefined when it does not exist. Throws other read errors. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** @returns the parsed file, or undefined when it does not exist. Throws for unreadable JSON. */
export async function readJsonIfExists<T>(path: string): Promise<T | undefined> {
  const text = await readTextIfExists(path);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}
