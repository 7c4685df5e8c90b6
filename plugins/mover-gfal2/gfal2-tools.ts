/**
 * gfal-copy, gfal-sum, gfal-stat, gfal-mkdir and gfal-rm as child processes: argument arrays,
 * never a shell, scrubbed environments with GFAL_PYTHONBIN and the XRD_* fast-fail settings.
 */
import { join } from 'node:path';
import {
  commandFailure, parseChecksum, transferError, xrootdClientEnv,
  type Checksum, type CommandResult, type CommandRunner, type TransferDirection,
} from '../../core/index.js';
import type { Gfal2Options } from './gfal2-options.js';

export type SumResult = { readonly kind: 'found'; readonly checksum: Checksum } | { readonly kind: 'missing' } | { readonly kind: 'unsupported'; readonly message: string };

export interface CopyOptions {
  readonly overwrite: boolean;
  /** Create missing parent folders of the destination (`-p`). */
  readonly parents: boolean;
  /** `-K ADLER32[:value]`: compare checksums of both ends (and with the value when given). */
  readonly checksum?: Checksum | 'compare';
  readonly timeoutMs: number;
}

const MISSING = /no such file|\bMISSING\b/i;
const UNSUPPORTED = /not (supported|implemented)|unable to checksum/i;

export class GfalTools {
  constructor(private readonly runner: CommandRunner, private readonly options: Gfal2Options) {}

  copy(source: string, destination: string, o: CopyOptions, signal?: AbortSignal): Promise<CommandResult> {
    const timeoutS = Math.max(1, Math.ceil(o.timeoutMs / 1000));
    const k = o.checksum === 'compare' ? ['-K', 'ADLER32'] : o.checksum ? ['-K', `${o.checksum.type.toUpperCase()}:${o.checksum.value}`] : [];
    const args = [...(o.overwrite ? ['-f'] : []), ...(o.parents ? ['-p'] : []), '-t', String(timeoutS), ...k, source, destination];
    // gfal-copy enforces -t itself and says so; the kill is only the backstop.
    return this.run('gfal-copy', args, o.timeoutMs + 30_000, signal);
  }

  /** Size of an object; undefined when it does not exist. */
  async stat(url: string, direction: TransferDirection, signal?: AbortSignal): Promise<{ size: number } | undefined> {
    const r = await this.run('gfal-stat', [url], this.metadataMs(), signal);
    if (r.exitCode !== 0) {
      if (!r.timedOut && !r.aborted && MISSING.test(r.stderr)) return undefined;
      throw commandFailure(r, direction, `gfal-stat ${url}`);
    }
    const m = /Size:\s+(\d+)/.exec(r.stdout);
    if (!m) throw transferError('failed', direction, `gfal-stat ${url}: no size in its answer`);
    return { size: Number(m[1]) };
  }

  /** adler32 as the storage computes it (`gfal-sum <url> ADLER32`). */
  async sum(url: string, direction: TransferDirection, signal?: AbortSignal): Promise<SumResult> {
    const r = await this.run('gfal-sum', [url, 'ADLER32'], this.metadataMs(), signal);
    if (r.exitCode !== 0) {
      if (r.timedOut || r.aborted) throw commandFailure(r, direction, `gfal-sum ${url}`);
      if (MISSING.test(r.stderr)) return { kind: 'missing' };
      if (UNSUPPORTED.test(r.stderr)) return { kind: 'unsupported', message: r.stderr.trim() };
      throw commandFailure(r, direction, `gfal-sum ${url}`);
    }
    const value = r.stdout.trim().split(/\s+/).pop();
    const checksum = value ? parseChecksum(`ad:${value}`) : undefined;
    return checksum ? { kind: 'found', checksum } : { kind: 'unsupported', message: `gfal-sum ${url}: answered "${r.stdout.trim()}"` };
  }

  async mkdirs(url: string, signal?: AbortSignal): Promise<void> {
    const r = await this.run('gfal-mkdir', ['-p', url], this.metadataMs(), signal);
    if (r.exitCode !== 0) throw commandFailure(r, 'out', `gfal-mkdir -p ${url}`);
  }

  /** Removes an object; an absent one is fine. */
  async remove(url: string, signal?: AbortSignal): Promise<void> {
    const r = await this.run('gfal-rm', [url], this.metadataMs(), signal);
    if (r.exitCode === 0 || (!r.timedOut && !r.aborted && MISSING.test(`${r.stdout}\n${r.stderr}`))) return;
    throw commandFailure(r, 'out', `gfal-rm ${url}`);
  }

  private run(tool: string, args: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    return this.runner.run({
      command: this.options.binDir ? join(this.options.binDir, tool) : tool,
      args,
      env: { GFAL_PYTHONBIN: this.options.pythonBin, ...xrootdClientEnv(this.options) },
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
  }

  private metadataMs(): number {
    return this.options.metadataTimeoutS * 1000;
  }
}
