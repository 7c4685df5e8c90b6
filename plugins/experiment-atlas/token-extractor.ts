/**
 * The ATLAS Token Extractor: resolves event positions to POOL tokens for AthenaMP. It runs
 * beside the payload as `<setup> TokenExtractor -v --source <list>`, where the list has one
 * `<GUID>,PFN:<file>` line per input file; entries for new GUIDs are appended as ranges
 * arrive. Its death while the payload runs fails the job with TEFATAL (1229).
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, PilotError, shellQuote, type EventRange, type JobDefinition, type Logger, type PayloadHelper,
  type PayloadHelperContext, type PayloadHelperFailure, type PayloadProcess,
} from '../../core/index.js';

export const TOKEN_EXTRACTOR_LIST = 'tokenextractor_input_list.txt';
const STOP_GRACE_MS = 5000;

/** True when the job's setup or parameters ask for the Token Extractor (pilot1 HEAD switches). */
export function wantsTokenExtractor(job: JobDefinition, setup = ''): boolean {
  return /TokenScatterer|UseTokenExtractor=True/.test(`${setup} ${job.transformation} ${job.jobParameters}`);
}

export interface TokenExtractorOptions {
  readonly executable: string;
  readonly setup?: string;
}

export class TokenExtractor implements PayloadHelper {
  readonly name = 'token-extractor';
  readonly died: Promise<PayloadHelperFailure>;
  private readonly seen = new Set<string>();
  private stopped = false;

  private constructor(
    private readonly proc: PayloadProcess,
    private readonly listPath: string,
    private readonly ctx: PayloadHelperContext,
    private readonly log: Logger,
  ) {
    this.died = proc.exit.then(
      (exit) => (this.stopped ? new Promise<never>(() => undefined) : {
        code: ErrorCodes.TEFATAL,
        message: `Token Extractor (pid ${proc.pid}) ended while the payload ran: ${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}`,
      }),
    );
  }

  /**
   * Writes the input list for the job's inputs and starts the Token Extractor through the
   * payload's launcher.
   * @throws PilotError TEFATAL (1229) when it cannot be started.
   */
  static async start(job: JobDefinition, ctx: PayloadHelperContext, options: TokenExtractorOptions, log: Logger): Promise<TokenExtractor> {
    const listPath = join(ctx.workdir, TOKEN_EXTRACTOR_LIST);
    const initial = job.inputFiles.filter((f) => f.guid).map((f) => ({ guid: f.guid!, path: ctx.inputPaths?.get(f.lfn) ?? join(ctx.workdir, f.lfn) }));
    const setup = options.setup?.trim().replace(/;?$/, '; ') ?? '';
    const command = `${setup}${shellQuote(options.executable)} -v --source ${shellQuote(listPath)}`;
    let proc: PayloadProcess;
    try {
      await writeFile(listPath, '');
      proc = await ctx.launcher.launch({
        command, cwd: ctx.workdir, env: ctx.env,
        stdoutPath: join(ctx.workdir, 'tokenextractor_stdout.txt'), stderrPath: join(ctx.workdir, 'tokenextractor_stderr.txt'),
      });
    } catch (err) {
      throw new PilotError(ErrorCodes.TEFATAL, `cannot start the Token Extractor: ${(err as Error).message}`, { recoverable: false, cause: err });
    }
    log.info(`Token Extractor started (pid ${proc.pid}): ${command}`);
    const te = new TokenExtractor(proc, listPath, ctx, log);
    await te.addEntries(initial);
    return te;
  }

  async addRanges(ranges: readonly EventRange[]): Promise<void> {
    await this.addEntries(ranges.map((r) => ({ guid: r.guid, path: r.pfn ?? this.ctx.inputPaths?.get(r.lfn) ?? join(this.ctx.workdir, r.lfn) })));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.proc.kill('SIGTERM');
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), STOP_GRACE_MS);
    await this.proc.exit;
    clearTimeout(killer);
  }

  private async addEntries(entries: ReadonlyArray<{ guid: string; path: string }>): Promise<void> {
    const lines: string[] = [];
    for (const { guid, path } of entries) {
      const g = guid.trim().toUpperCase();
      if (!g || this.seen.has(g)) continue;
      this.seen.add(g);
      lines.push(`${g},PFN:${path}\n`);
    }
    if (!lines.length) return;
    try {
      await appendFile(this.listPath, lines.join(''));
    } catch (err) {
      this.log.warn(`cannot extend the Token Extractor input list ${this.listPath}: ${(err as Error).message}`);
    }
  }
}
