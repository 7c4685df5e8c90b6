/**
 * Makes a batch of freshly written files durable together, instead of one fsync per copy as
 * each lands: the data of every file (fdatasync, a few at a time so the file system commits
 * them in shared journal transactions), then each folder once for their names. When it
 * resolves, every file is as durable as a copy fsynced on its own would be.
 */
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { forEachBounded } from '../util/bounded-pool.js';

/** fdatasyncs in flight: enough for the file system to group them (libuv runs 4 at a time by default). */
const SYNCS_IN_FLIGHT = 16;

export async function syncFilesTogether(paths: readonly string[]): Promise<void> {
  await forEachBounded(paths, SYNCS_IN_FLIGHT, async (path) => {
    const fh = await open(path, 'r');
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
  });
  for (const dir of new Set(paths.map((p) => dirname(p)))) await syncDirectory(dir);
}

/** Makes the names in `dir` (new files, renames) durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
