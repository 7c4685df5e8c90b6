/**
 * A site's own mover, written outside the pilot's repository: `file://` objects on a shared
 * POSIX filesystem mounted on every worker, each with its adler32 in a sidecar file (the
 * filesystem keeps no checksums). Everything comes from 'espilot': the contract, the tokens,
 * `inject`, the errors and the checksum helpers; the plugin needs no tsyringe of its own.
 *
 * Build with `npm run build`; test with `npx espilot conformance dist/shared-fs-mover.js`;
 * load it from a site file with `"plugins": ["<this folder>/dist/shared-fs-mover.js"]`.
 */
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError, ErrorCodes, FieldReader, LoggerToken, PLUGIN_API_VERSION, PilotError, PluginOptions, SiteMover, checksumFile, checksumsEqual,
  inject, pilotPlugin, type Checksum, type ConfigIssue, type Logger, type RemoteObject, type TransferRequest, type TransferResult,
} from 'espilot';

interface SharedFsOptions {
  /** Flush each stored object to disk before it is reported stored (default true). */
  readonly fsync: boolean;
}

function parseOptions(raw: unknown): SharedFsOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const fsync = r.bool('fsync', true);
  for (const key of r.keys()) if (key !== 'fsync') issues.push({ path: key, expected: 'no such option (known: fsync)', got: JSON.stringify(key) });
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze({ fsync });
}

@pilotPlugin({ provides: SiteMover, name: 'shared-fs', schemes: ['file'], options: parseOptions, apiVersion: PLUGIN_API_VERSION, description: 'file:// on a shared filesystem, adler32 in sidecars' })
export class SharedFsMover implements SiteMover {
  constructor(
    @inject(PluginOptions) private readonly options: SharedFsOptions,
    @inject(LoggerToken) private readonly log: Logger,
  ) {}

  async stageOut(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const target = pathOf(req.url);
    const local = await checksumFile(req.localPath); // MISSINGLOCALFILE (1164) when the source is missing
    if (req.checksum && !checksumsEqual(req.checksum, local.adler32)) {
      throw new PilotError(ErrorCodes.PUTADMISMATCH, `${req.localPath} has adler32 ${local.adler32.value}, expected ${req.checksum.value}`, { recoverable: false });
    }
    if (req.overwrite === false && (await isFile(target))) throw new PilotError(ErrorCodes.FILEEXIST, `${req.url} already exists`, { recoverable: false });
    await mkdir(dirname(target), { recursive: true });
    // Copied under a temporary name and renamed: a reader never sees half an object.
    const tmp = `${target}.part-${process.pid}`;
    await copyFile(req.localPath, tmp);
    if (this.options.fsync) await flush(tmp);
    const stored = await checksumFile(tmp);
    if (!checksumsEqual(stored.adler32, local.adler32)) {
      await rm(tmp, { force: true });
      throw new PilotError(ErrorCodes.PUTADMISMATCH, `copy of ${req.localPath} to ${req.url} is corrupt`, { recoverable: true });
    }
    await rename(tmp, target);
    await writeFile(sidecar(target), local.adler32.value);
    this.log.debug(`stored ${req.url} (${local.size} bytes, ad:${local.adler32.value})`);
    return { url: req.url, size: local.size, checksum: local.adler32, durationMs: Date.now() - started };
  }

  async stageIn(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const source = pathOf(req.url);
    if (!(await isFile(source))) throw new PilotError(ErrorCodes.NOSUCHFILE, `${req.url} does not exist`, { recoverable: false });
    const expected = req.checksum ?? (await recorded(source));
    const tmp = `${req.localPath}.part-${process.pid}`;
    await mkdir(dirname(req.localPath), { recursive: true });
    await copyFile(source, tmp);
    const got = await checksumFile(tmp);
    if (expected && !checksumsEqual(expected, got.adler32)) {
      await rm(tmp, { force: true });
      throw new PilotError(ErrorCodes.GETADMISMATCH, `${req.url}: adler32 ${got.adler32.value}, expected ${expected.value}`, { recoverable: false });
    }
    await rename(tmp, req.localPath);
    return { url: req.url, size: got.size, checksum: got.adler32, durationMs: Date.now() - started };
  }

  async stat(url: string): Promise<RemoteObject | undefined> {
    const path = pathOf(url);
    if (!(await isFile(path))) return undefined;
    const sum = await recorded(path);
    return { url, size: (await stat(path)).size, checksums: sum ? [sum] : [] };
  }

  async delete(url: string): Promise<void> {
    const path = pathOf(url);
    await rm(path, { force: true });
    await rm(sidecar(path), { force: true });
  }
}

function pathOf(url: string): string {
  if (!url.startsWith('file:///')) throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `not a file:/// URL: ${url}`, { recoverable: false });
  return fileURLToPath(url);
}

const sidecar = (path: string) => `${path}.adler32`;

async function recorded(path: string): Promise<Checksum | undefined> {
  const value = await readFile(sidecar(path), 'utf8').catch(() => undefined);
  return value ? { type: 'adler32', value: value.trim() } : undefined;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

async function flush(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
