/**
 * The site B5 runs the real pilot on: the task the embedded dispatcher serves, a queue whose
 * Event Service object store is an S3 bucket on Swift (keys served by getKeyPair, as PanDA
 * does), and the site file. Everything is written into `dir`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { siteQueuedata } from '../core/index.js';
import { stableGuid } from '../plugins/panda-local/index.js';
import type { SwiftServer } from '../test/helpers/swift-server.js';

export const B5_TASK_ID = 5;
const EVENTS_PER_FILE = 1000;
const SIMULATOR = '${ESPILOT_ROOT}/dist/plugins/payload-simulator/athenamp-simulator.js';

/** `ranges` one-event ranges, `workers` zero-compute simulator workers writing `outputBytes` per range. */
export function b5Task(ranges: number, workers: number, outputBytes: number): Record<string, unknown> {
  const files = Math.ceil(ranges / EVENTS_PER_FILE);
  return {
    taskId: B5_TASK_ID, eventService: true, coreCount: workers, eventsPerRange: 1, maxAttempts: 3, scope: 'mc_bench', firstPandaId: 5000,
    inputFiles: Array.from({ length: files }, (_, i) => ({
      lfn: `EVNT.${B5_TASK_ID}._${String(i + 1).padStart(6, '0')}.pool.root.1`, guid: stableGuid(`bench-b5-${i + 1}`),
      events: Math.min(EVENTS_PER_FILE, ranges - i * EVENTS_PER_FILE),
    })),
    output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1' },
    payload: { transformation: 'node', jobPars: `${SIMULATOR} --channel=$PILOT_EVENTRANGECHANNEL --workers=${workers} --outputFile={outputLFN} --timePerEventMs=0 --outputBytes=${outputBytes}` },
    merge: { transformation: 'true', jobPars: '' },
  };
}

export interface B5Site {
  readonly queuePath: string;
  readonly sitePath: string;
  readonly keysDir: string;
  readonly workdir: string;
}

/** Writes the keys, queue and site file for a pilot against `serverUrl` storing ES outputs in `bucket`. */
export async function writeB5Site(dir: string, swift: SwiftServer, bucket: string, serverUrl: string, workers: number, task: Record<string, unknown>): Promise<B5Site> {
  const keysDir = join(dir, 'keys');
  const workdir = join(dir, 'work');
  await mkdir(keysDir, { recursive: true });
  await mkdir(workdir, { recursive: true });
  // ES jobs stage in their inputs: the task's files lie on the storage element.
  await mkdir(join(dir, 'se'), { recursive: true });
  for (const f of (task['inputFiles'] as Array<{ lfn: string }>) ?? []) await writeFile(join(dir, 'se', f.lfn), `B5 input ${f.lfn}\n`);
  await writeFile(join(keysDir, 'b5.access'), swift.accessKey, { mode: 0o600 });
  await writeFile(join(keysDir, 'b5.secret'), swift.secretKey, { mode: 0o600 });
  const queue = siteQueuedata({
    name: 'ESPILOT_B5', storageUrl: pathToFileURL(join(dir, 'se')).href, esObjectstoreUrl: swift.s3Url(bucket), coreCount: workers,
  }) as { ddmendpoints: Record<string, Record<string, unknown>> };
  Object.assign(queue.ddmendpoints['OS_ES']!, { access_key: 'b5.access', secret_key: 'b5.secret' });
  const site = {
    server: { url: serverUrl, retries: 3, backoffBaseMs: 50, backoffMaxMs: 1000, requestTimeoutMs: 30_000, connectTimeoutMs: 5000 },
    // Production defaults otherwise: upload concurrency 4, reports batched by 100 or each second.
    eventService: { stageOutConcurrency: 4 },
    heartbeatS: 600,
    pluginOptions: { 's3-objectstore': { secure: false } },
  };
  const queuePath = join(dir, 'queuedata.json');
  const sitePath = join(dir, 'site.json');
  await writeFile(queuePath, JSON.stringify(queue, null, 2));
  await writeFile(sitePath, JSON.stringify(site, null, 2));
  return { queuePath, sitePath, keysDir, workdir };
}
