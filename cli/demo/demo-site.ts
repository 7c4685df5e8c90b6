/**
 * The demo's site, all under one work directory: a local storage element, a `file://`
 * object store (or the `--objectstore` URL), the pilot's work area, and the generated
 * queuedata (also saved as `queuedata.json`, usable with `espilot run --queue`).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, PluginNotFoundError, SiteMover, adler32, describeValue, formatAdler32, schemeOf, siteQueuedata, type ConfigLayer, type PluginRegistry } from '../../core/index.js';

export const DEMO_QUEUE = 'ESPILOT_DEMO';

export interface DemoSite {
  readonly workdir: string;
  readonly seDir: string;
  /** Local object store folder (ES outputs when no `--objectstore`, and log copies). */
  readonly osDir: string;
  readonly pilotDir: string;
  /** Where ES outputs go. */
  readonly esObjectstoreUrl: string;
  readonly queuedata: Record<string, unknown>;
  /** The demo's settings layer: queuedata plus pilot settings pointing at the dispatcher. */
  layer(serverUrl: string): ConfigLayer;
}

/**
 * Puts the task's input files on the storage element, where ES jobs stage them in from
 * (activity pr). @returns each file's size and adler32, which the job definition carries so
 * that stage-in verifies the copy (as a real job's inputs are).
 */
export async function placeDemoInputs(site: Pick<DemoSite, 'seDir'>, inputs: ReadonlyArray<{ readonly lfn: string; readonly events: number }>): Promise<Map<string, { size: number; checksum: string }>> {
  const placed = new Map<string, { size: number; checksum: string }>();
  for (const f of inputs) {
    const bytes = Buffer.from(`espilot demo input ${f.lfn}: ${f.events} event(s)\n`);
    await writeFile(join(site.seDir, f.lfn), bytes);
    placed.set(f.lfn, { size: bytes.length, checksum: `ad:${formatAdler32(adler32(bytes))}` });
  }
  return placed;
}

/** `./espilot-demo/<UTC timestamp>` under `cwd`. */
export function defaultDemoWorkdir(cwd: string, now = new Date()): string {
  return join(cwd, 'espilot-demo', now.toISOString().replace(/[:.]/g, '-'));
}

/**
 * Creates the directories and the queuedata.
 * @throws ConfigError when the work directory exists and is not empty (outputs of an earlier
 *   run would collide with this one's).
 */
export async function prepareDemoSite(workdir: string, o: { objectstore?: string; workers: number; keepWorkdir?: boolean }): Promise<DemoSite> {
  const root = resolve(workdir);
  await mkdir(root, { recursive: true });
  const existing = await readdir(root);
  if (existing.length) throw new ConfigError([{ path: '--workdir', expected: 'a new or empty directory', got: `${describeValue(root)} holding ${existing.length} entr${existing.length === 1 ? 'y' : 'ies'}` }], undefined, 'demo');
  const seDir = join(root, 'storage', 'se');
  const osDir = join(root, 'storage', 'objectstore');
  const pilotDir = join(root, 'pilot');
  for (const d of [seDir, join(osDir, 'es'), join(osDir, 'logs'), pilotDir]) await mkdir(d, { recursive: true });
  const url = (p: string) => pathToFileURL(p).href;
  const esObjectstoreUrl = o.objectstore ?? url(join(osDir, 'es'));
  const queuedata = siteQueuedata({
    name: DEMO_QUEUE, site: 'ESPILOT_DEMO', storageUrl: url(seDir), esObjectstoreUrl, logsObjectstoreUrl: url(join(osDir, 'logs')), coreCount: o.workers,
  });
  await writeFile(join(root, 'queuedata.json'), `${JSON.stringify(queuedata, null, 2)}\n`);
  return {
    workdir: root, seDir, osDir, pilotDir, esObjectstoreUrl, queuedata,
    layer: (serverUrl) => ({
      source: 'demo',
      pilot: {
        workdir: pilotDir,
        server: { url: serverUrl, retries: 3, backoffBaseMs: 50, backoffMaxMs: 1000, requestTimeoutMs: 10_000, connectTimeoutMs: 5000 },
        transfers: { backoffBaseMs: 50, backoffMaxMs: 1000 },
        eventService: { reportIntervalMs: 100 },
        // The demo's jobs need a few MB: a laptop with less than pilot3's 2 GB free still runs it.
        disk: { freeSpaceLimitMB: 64, freeSpaceLimitRunningMB: 32 },
        heartbeatS: 60,
        ...(o.keepWorkdir ? { keepWorkdir: true } : {}),
      },
      queuedata,
    }),
  };
}

/**
 * Fails early, with the fix, when no loaded mover writes the object store's URL scheme.
 * @throws ConfigError naming `--objectstore`, the scheme and the movers that are loaded.
 */
export function assertObjectstoreMover(registry: PluginRegistry, objectstoreUrl: string): void {
  const scheme = schemeOf(objectstoreUrl);
  try {
    registry.find(SiteMover, 'objectstore', scheme);
  } catch (err) {
    if (!(err instanceof PluginNotFoundError)) throw err;
    const offered = registry.list(SiteMover).filter((e) => e.descriptor.schemeAliases?.includes('objectstore'))
      .map((e) => `${e.descriptor.name} (${(e.descriptor.schemes ?? []).join(', ')})`);
    throw new ConfigError([{
      path: '--objectstore',
      expected: `a URL scheme that a loaded object-store mover handles (loaded: ${offered.join(', ') || 'none'}); load a mover plugin for ${scheme}:// with --config <site.json> ("plugins": [...]) and put its credentials there`,
      got: describeValue(objectstoreUrl),
    }], undefined, 'demo');
  }
}
