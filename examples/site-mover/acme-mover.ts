/**
 * A site's own mover in one file: `acme://<path>` objects kept under a directory the site
 * configures (`pluginOptions.acme.root`). It imports only the pilot's public entry, by
 * package name, as a mover living outside this repository would.
 *
 * Build: `npx tsc -p examples` (next to this file); load it from a site config with
 * `"plugins": ["./acme-mover.js"]`.
 */
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import {
  ConfigError, ErrorCodes, FieldReader, LoggerToken, PLUGIN_API_VERSION, PilotError, PluginOptions, SiteMover, checksumFile,
  checksumsEqual, inject, pilotPlugin, type ConfigIssue, type Logger, type RemoteObject, type TransferRequest, type TransferResult,
} from 'espilot';

interface AcmeOptions {
  readonly root: string;
}

function parseAcmeOptions(raw: unknown): AcmeOptions {
  const issues: ConfigIssue[] = [];
  const root = FieldReader.of('', raw, issues).requiredString('root', 'an absolute directory path');
  if (root && !root.startsWith('/')) issues.push({ path: 'root', expected: 'an absolute directory path', got: JSON.stringify(root) });
  if (issues.length) throw new ConfigError(issues);
  return { root };
}

@pilotPlugin({ provides: SiteMover, name: 'acme', schemes: ['acme'], options: parseAcmeOptions, apiVersion: PLUGIN_API_VERSION, description: 'example site mover' })
export class AcmeMover implements SiteMover {
  constructor(
    @inject(PluginOptions) private readonly options: AcmeOptions,
    @inject(LoggerToken) private readonly log: Logger,
  ) {}

  async stageOut(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const target = this.pathOf(req.url);
    const local = await checksumFile(req.localPath); // 1164 when the source is missing
    if (req.checksum && !checksumsEqual(req.checksum, local.adler32)) {
      throw new PilotError(ErrorCodes.PUTADMISMATCH, `${req.localPath} has adler32 ${local.adler32.value}, expected ${req.checksum.value}`, { recoverable: false });
    }
    if (req.overwrite === false && (await this.exists(target))) throw new PilotError(ErrorCodes.FILEEXIST, `${req.url} already exists`, { recoverable: false });
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.acme-part`;
    await copyFile(req.localPath, tmp);
    const stored = await checksumFile(tmp);
    if (!checksumsEqual(stored.adler32, local.adler32)) {
      await rm(tmp, { force: true });
      throw new PilotError(ErrorCodes.PUTADMISMATCH, `copy of ${req.localPath} to ${req.url} is corrupt`, { recoverable: true });
    }
    await rename(tmp, target);
    // The store has no checksum service: the checksum is recorded in a sidecar beside the object.
    await writeFile(`${target}.adler32`, local.adler32.value);
    this.log.info(`stored ${req.url} (${local.size} bytes, ad:${local.adler32.value})`);
    return { url: req.url, size: local.size, checksum: local.adler32, durationMs: Date.now() - started };
  }

  async stageIn(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const source = this.pathOf(req.url);
    if (!(await this.exists(source))) throw new PilotError(ErrorCodes.NOSUCHFILE, `${req.url} does not exist`, { recoverable: false });
    const expected = req.checksum ?? (await this.recorded(source));
    const tmp = `${req.localPath}.acme-part`;
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
    const path = this.pathOf(url);
    if (!(await this.exists(path))) return undefined;
    const recorded = await this.recorded(path);
    return { url, size: (await stat(path)).size, checksums: recorded ? [recorded] : [] };
  }

  async delete(url: string): Promise<void> {
    await rm(this.pathOf(url), { force: true });
    await rm(`${this.pathOf(url)}.adler32`, { force: true });
  }

  private async recorded(path: string) {
    const value = await readFile(`${path}.adler32`, 'utf8').catch(() => undefined);
    return value ? { type: 'adler32' as const, value: value.trim() } : undefined;
  }

  private pathOf(url: string): string {
    const m = /^acme:\/\/(\/.*)$/.exec(url);
    if (!m) throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `not an acme:///<path> URL: ${url}`, { recoverable: false });
    const rel = normalize(m[1]!);
    if (rel.includes('..')) throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `path escapes the store: ${url}`, { recoverable: false });
    return join(this.options.root, rel);
  }

  private async exists(path: string): Promise<boolean> {
    return stat(path).then((s) => s.isFile(), () => false);
  }
}
