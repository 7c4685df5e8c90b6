/**
 * A real xrootd (Debian 5.5) on an ephemeral port, serving a temp dir, with server-side
 * adler32 (and optionally md5) checksums (reference/ecosystem.md §2). xrootd refuses to run
 * as root, so as root it runs with `-R nobody` over a dir chowned to nobody.
 *
 * Start it once per test file:
 *   let xrd: XrootdServer;
 *   test.before(async () => { xrd = await startXrootd(); });
 *   test.after.always(() => xrd?.stop());
 */
import type { ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning, logTail, readinessTimeout, spawnService, stopServices, waitFor } from './service-process.js';
import { tempDir } from './temp-dir.js';

const NOBODY = 65534;

export interface XrootdServer {
  /** `root://localhost:<port>`; object URLs are `${url}//<path>`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The served directory (`oss.localroot`). */
  readonly dataDir: string;
  readonly logFile: string;
  /** The file on disk behind `root://host:port//path` or `/path`. */
  localPath(urlOrPath: string): string;
  /**
   * Replaces an object's bytes on disk behind xrootd's back and restores its mtime, as silent
   * corruption would: xrootd keeps serving the checksum it recorded when the object was written.
   */
  corrupt(urlOrPath: string, bytes: Buffer): Promise<void>;
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface XrootdOptions {
  /** Checksum types the server computes (default adler32 only; [] for none). */
  readonly checksums?: readonly ('adler32' | 'md5')[];
  /** Readiness deadline on an idle machine (default 30 s), multiplied by the slowdown factor. */
  readonly startTimeoutMs?: number;
}

/**
 * @throws Error with the log tail when xrootd does not report `initialization completed`.
 */
export async function startXrootd(options: XrootdOptions = {}): Promise<XrootdServer> {
  const tmp = await tempDir('espilot-xrootd-');
  const dir = tmp.path;
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const sums = options.checksums ?? ['adler32'];
  const cfg = join(dir, 'xrootd.cfg');
  await writeFile(cfg, [
    'xrd.port any',
    'xrd.network nodnr',
    'xrd.allow host localhost',
    'all.export /',
    `all.adminpath ${dir}`,
    `all.pidpath ${dir}`,
    `oss.localroot ${dataDir}`,
    ...(sums.length ? [`xrootd.chksum max 2 ${sums.join(' ')}`] : []),
    'xrd.trace off',
    '',
  ].join('\n'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await chmod(dir, 0o755);
    for (const p of [dir, dataDir, cfg]) await chown(p, NOBODY, NOBODY);
  }
  const logFile = join(dir, 'test', 'xrootd.log');
  const child: ChildProcess = spawnService('xrootd', [...(asRoot ? ['-R', 'nobody'] : []), '-c', cfg, '-l', join(dir, 'xrootd.log'), '-n', 'test'], join(dir, 'stdout.log'));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopServices([child]);
    await tmp.remove();
  };
  let port: number;
  try {
    port = await waitFor('xrootd initialization', async () => {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      const m = /@[^:\s]+:(\d+) initialization completed/.exec(text);
      return m ? Number(m[1]) : undefined;
    }, { ...readinessTimeout(options.startTimeoutMs ?? 30_000), intervalMs: 50, alive: () => isRunning(child), diagnostics: () => `${logTail(logFile)}\n${logTail(join(dir, 'stdout.log'))}` });
  } catch (err) {
    await stop();
    throw err;
  }
  const localPath = (urlOrPath: string) => join(dataDir, urlOrPath.replace(/^root:\/\/[^/]+\//, '').replace(/^\/+/, ''));
  return {
    url: `root://localhost:${port}`,
    host: 'localhost',
    port,
    dataDir,
    logFile,
    localPath,
    async corrupt(urlOrPath, bytes) {
      const file = localPath(urlOrPath);
      const before = await stat(file);
      await writeFile(file, bytes);
      await utimes(file, before.atime, before.mtime);
    },
    stop,
  };
}
