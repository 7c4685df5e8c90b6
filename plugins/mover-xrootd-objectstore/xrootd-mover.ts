/**
 * SiteMover for xrootd object stores (`root://host:port//path`) through xrdcp and xrdfs.
 * Every copy is checked end to end by xrdcp itself (`--cksum adler32:<value>`): the server's
 * checksum of what it stored against ours on stage-out, our copy against the expected value
 * on stage-in. A bad upload is removed (`--rm-bad-cksum`), a failed one never persists (`--posc`).
 */
import { inject } from '../../core/index.js';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  LoggerToken, PLUGIN_API_VERSION, PluginOptions, ResolverToken, SiteMover,
  checkLocalSource, checksumFile, commandFailure, finishDownload, localFileSize, partialPath, pilotPlugin, toPilotError, transferError, transferTimeoutMs, ErrorCodes,
  type Checksum, type Logger, type PluginResolver, type RemoteObject, type TransferRequest, type TransferResult,
} from '../../core/index.js';
import { parseXrootdOptions, type XrootdOptions } from './xrootd-options.js';
import { xrootdToolsOf, type XrootdTools } from './xrootd-tools.js';
import { parseRootUrl } from './xrootd-url.js';

@pilotPlugin({
  provides: SiteMover,
  name: 'xrootd-objectstore',
  aliases: ['xrdcp'],
  schemeAliases: ['objectstore'],
  schemes: ['root'],
  options: parseXrootdOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'xrootd via xrdcp/xrdfs with end-to-end adler32',
})
export class XrootdMover implements SiteMover {
  /** Shared with the xrootd checksum store through the resolver. */
  private readonly tools: XrootdTools;

  constructor(
    @inject(PluginOptions) private readonly options: XrootdOptions,
    @inject(ResolverToken) resolver: PluginResolver,
    @inject(LoggerToken) private readonly log: Logger,
  ) {
    this.tools = xrootdToolsOf(resolver, options);
  }

  async stageOut(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const loc = parseRootUrl(req.url);
    await localFileSize(req.localPath);
    const local = await checksumFile(req.localPath, req.checksum?.type === 'md5' ? ['adler32', 'md5'] : ['adler32']);
    checkLocalSource(req, local);
    const timeoutMs = req.timeoutMs ?? transferTimeoutMs(local.size, this.options.timeout);
    const args = [
      '--posc', '--path',
      ...(req.overwrite === false ? [] : ['--force']),
      '--cksum', `adler32:${local.adler32.value}`, '--rm-bad-cksum',
      req.localPath, req.url,
    ];
    let r = await this.tools.copy(args, timeoutMs, req.signal);
    if (r.exitCode !== 0 && req.overwrite !== false && commandFailure(r, 'out', req.url).code === ErrorCodes.PUTADMISMATCH) {
      // An object overwritten within the same second can keep its old cached checksum on the
      // server (xrootd keys it by mtime): remove it and copy once more before calling it corrupt.
      await this.tools.remove(loc).catch(() => undefined);
      r = await this.tools.copy(args, timeoutMs, req.signal);
    }
    if (r.exitCode !== 0) {
      const e = commandFailure(r, 'out', `xrdcp to ${req.url}`);
      // A checksum error means the bytes changed in transit; --rm-bad-cksum already removed the copy.
      if (e.code === ErrorCodes.PUTADMISMATCH) throw transferError('adler32-mismatch', 'out', e.message, { recoverable: true });
      // The copy completed but cannot be verified: it must not stay under the final name.
      if (e.code === ErrorCodes.CHKSUMNOTSUP) await this.tools.remove(loc).catch(() => undefined);
      throw e;
    }
    const stored = await this.tools.stat(loc, 'out', req.signal);
    if (stored?.size !== local.size) {
      await this.tools.remove(loc).catch(() => undefined);
      throw transferError('size-mismatch', 'out', `${req.url} holds ${stored?.size ?? 'no'} bytes after the copy, ${local.size} were sent`, { recoverable: true });
    }
    // xrdcp --cksum compared the server's adler32 with ours: the store has nothing left to confirm.
    this.tools.written.note(req.url, local.size, [local.adler32]);
    this.log.debug(`stored ${req.url} (${local.size} bytes, ad:${local.adler32.value})`);
    return { url: req.url, size: local.size, checksum: local.adler32, durationMs: Date.now() - started };
  }

  async stageIn(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const loc = parseRootUrl(req.url);
    let expected: Checksum | undefined = req.checksum;
    if (!expected) {
      const q = await this.tools.queryChecksum(loc, 'adler32', 'in', req.signal);
      if (q.kind === 'missing') throw transferError('no-such-file', 'in', `${req.url} does not exist`);
      if (q.kind === 'found') expected = q.checksum;
      else this.log.warn(`${req.url}: the server keeps no adler32 (${q.message}); verifying the size only`);
    }
    const remoteSize = expected ? undefined : (await this.tools.stat(loc, 'in', req.signal))?.size;
    if (!expected && remoteSize === undefined) throw transferError('no-such-file', 'in', `${req.url} does not exist`);
    const tmp = partialPath(req.localPath);
    try {
      await mkdir(dirname(req.localPath), { recursive: true });
      const timeoutMs = req.timeoutMs ?? transferTimeoutMs(req.size ?? remoteSize ?? 0, this.options.timeout);
      const cksum = expected ? ['--cksum', `${expected.type}:${expected.value}`] : [];
      const r = await this.tools.copy(['--force', ...cksum, req.url, tmp], timeoutMs, req.signal);
      if (r.exitCode !== 0) throw commandFailure(r, 'in', `xrdcp from ${req.url}`, expected?.type);
      return await finishDownload(tmp, req, req.size ?? remoteSize, started);
    } catch (err) {
      await rm(tmp, { force: true });
      throw toPilotError(err, ErrorCodes.STAGEINFAILED, `stage-in of ${req.url}`);
    }
  }

  async stat(url: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    const loc = parseRootUrl(url);
    const st = await this.tools.stat(loc, 'in', signal);
    if (!st) return undefined;
    const q = await this.tools.queryChecksum(loc, 'adler32', 'in', signal);
    return { url, size: st.size, checksums: q.kind === 'found' ? [q.checksum] : [] };
  }

  async delete(url: string, signal?: AbortSignal): Promise<void> {
    this.tools.written.forget(url);
    await this.tools.remove(parseRootUrl(url), signal);
  }
}
