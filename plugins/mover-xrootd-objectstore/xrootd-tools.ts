/**
 * xrdcp and xrdfs as child processes: argument arrays, scrubbed environments with the
 * fast-fail XRD_* settings, deadlines, and parsed answers.
 */
import {
  RecentWrites, commandFailure, parseChecksum, transferError, xrootdClientEnv,
  type Checksum, type ChecksumType, type CommandResult, type CommandRunner, type PluginResolver, type TransferDirection,
} from '../../core/index.js';
import { parseXrootdOptions, type XrootdOptions } from './xrootd-options.js';
import type { RootLocation } from './xrootd-url.js';

export type ChecksumQuery =
  | { readonly kind: 'found'; readonly checksum: Checksum }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unsupported'; readonly message: string };

const MISSING = /no such file|\[3011\]/i;
const UNSUPPORTED = /not supported|unable to checksum/i;

/** The options section the xrootd tools are configured from (the built-in mover's). */
export const XROOTD_OPTIONS_SECTION = 'xrootd-objectstore';

/**
 * The run's xrootd tools, shared by the mover and the checksum store. The first caller's
 * `options` are used; without them, `pluginOptions.xrootd-objectstore` is parsed.
 * @throws ConfigError for a bad options section.
 */
export function xrootdToolsOf(resolver: PluginResolver, options?: XrootdOptions): XrootdTools {
  return resolver.shared(XrootdTools, () => new XrootdTools(
    resolver.commands, options ?? parseXrootdOptions(resolver.services.settings.pilot.pluginOptions[XROOTD_OPTIONS_SECTION] ?? {}),
  ));
}

export class XrootdTools {
  /** Objects this run copied with `xrdcp --cksum`, i.e. whose server checksum was already compared with ours. */
  readonly written = new RecentWrites();

  constructor(private readonly runner: CommandRunner, private readonly options: XrootdOptions) {}

  /** Runs xrdcp with `args`; the caller interprets the result. */
  copy(args: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    return this.runner.run({ command: this.options.xrdcp, args: ['--nopbar', ...args], env: xrootdClientEnv(this.options), timeoutMs, ...(signal ? { signal } : {}) });
  }

  /** Size of a file; undefined when it does not exist. */
  async stat(loc: RootLocation, direction: TransferDirection, signal?: AbortSignal): Promise<{ size: number } | undefined> {
    const r = await this.fs(loc, ['stat', loc.path], signal);
    if (r.exitCode !== 0) {
      if (!r.timedOut && MISSING.test(r.stderr)) return undefined;
      throw commandFailure(r, direction, `xrdfs stat ${loc.server}${loc.path}`);
    }
    const m = /^Size:\s+(\d+)/m.exec(r.stdout);
    if (!m) throw transferError('failed', direction, `xrdfs stat ${loc.server}${loc.path}: no size in its answer`);
    return { size: Number(m[1]) };
  }

  /** The server's checksum of a file (`xrdfs query checksum`). */
  async queryChecksum(loc: RootLocation, type: ChecksumType, direction: TransferDirection, signal?: AbortSignal): Promise<ChecksumQuery> {
    const path = type === 'adler32' ? loc.path : `${loc.path}?cks.type=${type}`;
    const r = await this.fs(loc, ['query', 'checksum', path], signal);
    const what = `xrdfs query checksum ${loc.server}${loc.path}`;
    if (r.exitCode !== 0) {
      if (r.timedOut || r.aborted) throw commandFailure(r, direction, what);
      if (MISSING.test(r.stderr)) return { kind: 'missing' };
      if (UNSUPPORTED.test(r.stderr)) return { kind: 'unsupported', message: r.stderr.trim() };
      throw commandFailure(r, direction, what);
    }
    // "adler32 14c8cb39"; a server without the asked type answers with another one.
    const [name, value] = r.stdout.trim().split(/\s+/);
    if (name?.toLowerCase() !== type || !value) return { kind: 'unsupported', message: `${what}: answered "${r.stdout.trim()}" for ${type}` };
    const checksum = parseChecksum(`${type === 'adler32' ? 'ad' : 'md5'}:${value}`);
    return checksum ? { kind: 'found', checksum } : { kind: 'unsupported', message: `${what}: dummy value ${value}` };
  }

  /** Removes a file; an absent one is fine. */
  async remove(loc: RootLocation, signal?: AbortSignal): Promise<void> {
    const r = await this.fs(loc, ['rm', loc.path], signal);
    if (r.exitCode === 0 || (!r.timedOut && MISSING.test(r.stderr))) return;
    throw commandFailure(r, 'out', `xrdfs rm ${loc.server}${loc.path}`);
  }

  private fs(loc: RootLocation, args: readonly string[], signal?: AbortSignal): Promise<CommandResult> {
    return this.runner.run({
      command: this.options.xrdfs,
      args: [loc.server, ...args],
      env: xrootdClientEnv(this.options),
      timeoutMs: this.options.metadataTimeoutS * 1000,
      ...(signal ? { signal } : {}),
    });
  }
}
