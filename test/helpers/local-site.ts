import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { siteQueuedata, type ConfigLayer } from '../../core/index.js';
import { scaled } from './slowdown.js';
import { tempDir } from './temp-dir.js';

export interface LocalSite {
  readonly root: string;
  /** Storage element (activities pr, pw, pl). */
  readonly seDir: string;
  /** Object store: `es/` for ES outputs, `logs/` for logs. */
  readonly osDir: string;
  readonly workdir: string;
  /** queuedata (schedconfig names) for this site. */
  readonly queuedata: Record<string, unknown>;
  /** Pilot + queuedata layer for createRun's `extraLayers`. */
  layer(pilot?: Record<string, unknown>, queuedata?: Record<string, unknown>): ConfigLayer;
  /** Puts a task's input files (`task.inputFiles[].lfn`) on the storage element; @returns the task. */
  placeInputs<T extends Record<string, unknown>>(task: T): Promise<T>;
  remove(): Promise<void>;
}

/** A site whose storage element and object store are `file://` folders in a temp dir. */
export async function localSite(opts: { legacyObjectstore?: boolean } = {}): Promise<LocalSite> {
  const dir = await tempDir('espilot-site-');
  const seDir = join(dir.path, 'se');
  const osDir = join(dir.path, 'os');
  const workdir = join(dir.path, 'work');
  for (const d of [seDir, join(osDir, 'es'), join(osDir, 'logs'), workdir]) await mkdir(d, { recursive: true });
  const url = (p: string) => pathToFileURL(p).href;
  const queuedata: Record<string, unknown> = opts.legacyObjectstore
    ? {
        nickname: 'TEST_LEGACY', copytool: 'local', copytoolin: 'local',
        objectstore: `eventservice^${url(join(osDir, 'es'))}|logs^${url(join(osDir, 'logs'))}`,
        astorages: { pr: ['SE'], pw: ['SE'], pl: ['SE'] },
        ddmendpoints: { SE: { endpoint: url(seDir) } },
        corecount: 2, stageinretry: 2, stageoutretry: 2,
      }
    : siteQueuedata({
        name: 'TEST_LOCAL', site: 'TEST', storageUrl: url(seDir), esObjectstoreUrl: url(join(osDir, 'es')), logsObjectstoreUrl: url(join(osDir, 'logs')), coreCount: 2,
      });
  return {
    root: dir.path, seDir, osDir, workdir, queuedata,
    layer: (pilot = {}, extra = {}) => ({
      source: 'test-site',
      // keepWorkdir: the tests read the records a job leaves (journal, ledger, payload files) after it; the
      // cleanup of job directories has its own tests (test/core/runtime/job-dir-cleanup.test.ts), with it off.
      pilot: { workdir, transfers: { backoffBaseMs: 10, backoffMaxMs: 50 }, server: { retries: 3, backoffBaseMs: 20, backoffMaxMs: 200, requestTimeoutMs: scaled(5000) }, keepWorkdir: true, ...pilot },
      queuedata: { ...queuedata, ...extra },
    }),
    placeInputs: async (task) => {
      for (const f of (task['inputFiles'] as Array<{ lfn: string }> | undefined) ?? []) await writeFile(join(seDir, f.lfn), `input file ${f.lfn}\n`);
      return task;
    },
    remove: dir.remove,
  };
}
