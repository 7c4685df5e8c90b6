/**
 * AthenaMP leaves per-worker directories (`athenaMP-workers-<trf>-<step>/worker_<n>/`) full
 * of core dumps, per-range pool.root copies and tmp. files; they would bloat the log tarball
 * and the ranges' outputs are already stored (pilot1 `cleanupAthenaMP`).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/index.js';

const LEFTOVER = (name: string) => /^core(\.\d+)?$/.test(name) || name.includes('pool.root') || name.startsWith('tmp.');

/** Removes leftover files under every `athenaMP-workers-*` directory of `workdir`; returns how many. */
export async function cleanupAthenaMP(workdir: string, log: Logger): Promise<number> {
  const top = await readdir(workdir, { withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const d of top.filter((e) => e.isDirectory() && e.name.startsWith('athenaMP-workers-'))) {
    const entries = await readdir(join(workdir, d.name), { recursive: true, withFileTypes: true });
    for (const e of entries) {
      if (!e.isFile() || !LEFTOVER(e.name)) continue;
      await rm(join(e.parentPath, e.name), { force: true });
      removed++;
    }
  }
  if (removed) log.info(`removed ${removed} AthenaMP worker leftovers from ${workdir}`);
  return removed;
}
