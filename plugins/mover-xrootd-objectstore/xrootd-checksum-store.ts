/**
 * ChecksumStore for `root://` objects: the xrootd server computes and keeps checksums itself
 * (`xrootd.chksum`), so recording means confirming the server holds the same values. It
 * works through the run's shared xrootd tools, never through a mover.
 */
import { inject } from '../../core/index.js';
import {
  ChecksumStore, ErrorCodes, LoggerToken, PLUGIN_API_VERSION, PilotError, ResolverToken, checksumsEqual, mismatchKind, pilotPlugin, transferError,
  type Checksum, type Logger, type PluginResolver, type RecordedChecksums,
} from '../../core/index.js';
import { xrootdToolsOf } from './xrootd-tools.js';
import { parseRootUrl } from './xrootd-url.js';

@pilotPlugin({ provides: ChecksumStore, name: 'xrootd', schemes: ['root'], apiVersion: PLUGIN_API_VERSION, description: "the xrootd server's own checksums (xrdfs query checksum)" })
export class XrootdChecksumStore implements ChecksumStore {
  constructor(
    @inject(ResolverToken) private readonly resolver: PluginResolver,
    @inject(LoggerToken) private readonly log: Logger,
  ) {}

  /**
   * Confirms the server's size and checksums match (free after this run's own `xrdcp --cksum` of the object).
   * @throws PilotError PUTWRONGSIZE (1139) / PUTADMISMATCH (1172) / PUTMD5MISMATCH (1141) when
   *   they differ, NOSUCHFILE (1103) when the object is absent, CHKSUMNOTSUP (1242) when the
   *   server cannot compute a type.
   */
  async record(url: string, size: number, checksums: readonly Checksum[]): Promise<void> {
    const tools = this.tools();
    if (tools.written.take(url, size, checksums)) return;
    const loc = parseRootUrl(url);
    const st = await tools.stat(loc, 'out');
    if (!st) throw transferError('no-such-file', 'in', `cannot record checksums: ${url} does not exist`);
    if (st.size !== size) throw transferError('size-mismatch', 'out', `${url} holds ${st.size} bytes, not ${size}`);
    for (const c of checksums) {
      const q = await tools.queryChecksum(loc, c.type, 'out');
      if (q.kind === 'unsupported') throw new PilotError(ErrorCodes.CHKSUMNOTSUP, `${url}: the server cannot compute ${c.type}: ${q.message}`, { recoverable: false });
      if (q.kind === 'missing') throw transferError('no-such-file', 'in', `${url} vanished`);
      if (!checksumsEqual(q.checksum, c)) throw transferError(mismatchKind(c.type), 'out', `${url}: the server has ${c.type} ${q.checksum.value}, expected ${c.value}`);
    }
    tools.written.note(url, size, checksums);
    this.log.debug(`server checksums of ${url} confirmed`);
  }

  async lookup(url: string): Promise<RecordedChecksums | undefined> {
    const loc = parseRootUrl(url);
    const tools = this.tools();
    const q = await tools.queryChecksum(loc, 'adler32', 'in');
    if (q.kind === 'missing') return undefined;
    const st = await tools.stat(loc, 'in');
    if (!st) return undefined;
    return { size: st.size, checksums: q.kind === 'found' ? [q.checksum] : [] };
  }

  private tools() {
    return xrootdToolsOf(this.resolver);
  }
}
