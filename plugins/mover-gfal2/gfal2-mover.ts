/**
 * SiteMover over the gfal2 command-line tools, for every protocol gfal2 speaks here: root://,
 * file://, https:// and davs://. Copies are verified by gfal-copy itself (`-K ADLER32:<value>`)
 * and by the stored size; checksums are recorded in and read from the checksum store of the
 * URL's scheme (the local catalog for file://, the server's own for root://) when one is loaded.
 */
import { inject } from '../../core/index.js';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CommandRunnerToken, ErrorCodes, LoggerToken, PLUGIN_API_VERSION, PluginOptions, ResolverToken, SiteMover,
  checkLocalSource, checksumFile, checksumStoreFor, commandFailure, finishDownload, localFileSize, partialPath, pilotPlugin, schemeOf, toPilotError, transferError, transferTimeoutMs,
  type Checksum, type ChecksumStore, type CommandRunner, type Logger, type PluginResolver, type RecordedChecksums, type RemoteObject,
  type TransferRequest, type TransferResult,
} from '../../core/index.js';
import { parseGfal2Options, type Gfal2Options } from './gfal2-options.js';
import { GfalTools } from './gfal2-tools.js';

@pilotPlugin({
  provides: SiteMover,
  name: 'gfal2',
  aliases: ['gfal-copy', 'gfalcopy', 'gfal'],
  schemes: ['root', 'file', 'https', 'davs'],
  options: parseGfal2Options,
  apiVersion: PLUGIN_API_VERSION,
  description: 'gfal-copy/gfal-sum/gfal-stat/gfal-rm with end-to-end adler32',
})
export class Gfal2Mover implements SiteMover {
  private readonly tools: GfalTools;
  /** Parent folders made this run: one gfal-mkdir per folder, not per file. */
  private readonly madeDirs = new Set<string>();

  constructor(
    @inject(PluginOptions) private readonly options: Gfal2Options,
    @inject(CommandRunnerToken) runner: CommandRunner,
    @inject(ResolverToken) private readonly resolver: PluginResolver,
    @inject(LoggerToken) private readonly log: Logger,
  ) {
    this.tools = new GfalTools(runner, options);
  }

  async stageOut(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    await localFileSize(req.localPath);
    const local = await checksumFile(req.localPath, req.checksum?.type === 'md5' ? ['adler32', 'md5'] : ['adler32']);
    checkLocalSource(req, local);
    await this.makeParent(req.url, req.signal);
    const timeoutMs = req.timeoutMs ?? transferTimeoutMs(local.size, this.options.timeout);
    const r = await this.tools.copy(pathToFileURL(req.localPath).href, req.url, { overwrite: req.overwrite !== false, parents: true, checksum: local.adler32, timeoutMs }, req.signal);
    if (r.exitCode !== 0) {
      const e = commandFailure(r, 'out', `gfal-copy to ${req.url}`);
      // gfal-copy removes a copy whose checksum differs: the bytes changed in transit.
      throw e.code === ErrorCodes.PUTADMISMATCH ? transferError('adler32-mismatch', 'out', e.message, { recoverable: true }) : e;
    }
    const stored = await this.tools.stat(req.url, 'out', req.signal);
    if (stored?.size !== local.size) {
      await this.tools.remove(req.url).catch(() => undefined);
      throw transferError('size-mismatch', 'out', `${req.url} holds ${stored?.size ?? 'no'} bytes after the copy, ${local.size} were sent`, { recoverable: true });
    }
    await this.store(req.url)?.record(req.url, local.size, local.md5 ? [local.adler32, local.md5] : [local.adler32]);
    this.log.debug(`stored ${req.url} (${local.size} bytes, ad:${local.adler32.value})`);
    return { url: req.url, size: local.size, checksum: local.adler32, durationMs: Date.now() - started };
  }

  async stageIn(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const recorded = req.checksum ? undefined : await this.recorded(req.url, req.signal);
    const expected: Checksum | undefined = req.checksum ?? recorded?.checksums.find((c) => c.type === 'adler32') ?? recorded?.checksums[0];
    const remote = expected ? undefined : await this.tools.stat(req.url, 'in', req.signal);
    if (!expected && !remote) throw transferError('no-such-file', 'in', `${req.url} does not exist`);
    if (!expected) this.log.warn(`${req.url}: no checksum recorded or computable; verifying the size only`);
    const tmp = partialPath(req.localPath);
    try {
      await mkdir(dirname(req.localPath), { recursive: true });
      const wantSize = req.size ?? recorded?.size ?? remote?.size;
      const timeoutMs = req.timeoutMs ?? transferTimeoutMs(wantSize ?? 0, this.options.timeout);
      const r = await this.tools.copy(req.url, pathToFileURL(tmp).href, { overwrite: true, parents: false, ...(expected ? { checksum: expected } : {}), timeoutMs }, req.signal);
      if (r.exitCode !== 0) throw commandFailure(r, 'in', `gfal-copy from ${req.url}`, expected?.type);
      return await finishDownload(tmp, req, wantSize, started);
    } catch (err) {
      await rm(tmp, { force: true });
      throw toPilotError(err, ErrorCodes.STAGEINFAILED, `stage-in of ${req.url}`);
    }
  }

  async stat(url: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    const st = await this.tools.stat(url, 'in', signal);
    if (!st) return undefined;
    const recorded = await this.recorded(url, signal);
    return { url, size: st.size, checksums: recorded?.checksums ?? [] };
  }

  async delete(url: string, signal?: AbortSignal): Promise<void> {
    await this.tools.remove(url, signal);
    await this.store(url)?.forget?.(url);
  }

  /** What the scheme's checksum store holds, else what the storage computes (gfal-sum). */
  private async recorded(url: string, signal?: AbortSignal): Promise<RecordedChecksums | undefined> {
    const fromStore = await this.store(url)?.lookup(url);
    if (fromStore?.checksums.length) return fromStore;
    const sum = await this.tools.sum(url, 'in', signal);
    if (sum.kind === 'missing') return undefined;
    return { ...(fromStore?.size !== undefined ? { size: fromStore.size } : {}), checksums: sum.kind === 'found' ? [sum.checksum] : [] };
  }

  private store(url: string): ChecksumStore | undefined {
    return checksumStoreFor(this.resolver, schemeOf(url));
  }

  private async makeParent(url: string, signal?: AbortSignal): Promise<void> {
    const parent = url.replace(/\/+[^/]*$/, '');
    if (!parent || this.madeDirs.has(parent) || /^[a-z][a-z0-9+.-]*:\/*[^/]*$/i.test(parent)) return;
    await this.tools.mkdirs(parent, signal);
    this.madeDirs.add(parent);
  }
}
