/**
 * Stage-in of a job's inputs and stage-out of its outputs through the queue's movers, with a
 * ledger of what is durably stored so that a recovering pilot uploads each output once.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobDefinition, FileSpec } from '../contracts/job-definition.js';
import type { BoundDestination, JobBinding } from '../contracts/job-binding.js';
import type { Activity } from '../contracts/site-mover.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import { readJsonIfExists, writeJsonAtomic } from '../state/state-file.js';
import { containedPath } from '../util/contained-path.js';
import { forEachBounded } from '../util/bounded-pool.js';
import { abortError } from '../errors/abort-code.js';
import { localWriteError } from '../errors/disk-errors.js';
import { expectedInput, stageInFrom, stageOutTo } from './bound-transfers.js';
import { formatChecksum } from './checksum.js';
import { syncFilesTogether } from './durable-files.js';
import { keptInput } from './kept-input.js';
import type { TransferOutcome } from './transfer-service.js';

export interface JobTransferContext {
  /** The job's binding: where each transfer goes and through which movers. */
  readonly binding: JobBinding;
  readonly jobDir: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** Inputs staged in at the same time (`pilot.transfers.stageInConcurrency`); default 1. */
  readonly stageInConcurrency?: number;
}

/**
 * Stages in every input from where the binding says, `stageInConcurrency` at a time, each
 * verified against the job's size and checksum (or the checksum store's record); an input the
 * payload reads in place (direct access) is not copied. Each copy lands at `<jobDir>/<lfn>`
 * (containedPath). An input already there from an earlier attempt of the job is kept when its
 * size and checksum prove it is the job's file (kept-input.ts), else fetched again. The copies
 * are made durable together once all have landed (durable-files.ts), before this returns, so
 * the payload never starts on inputs a crash could take back.
 * @returns local paths by LFN, and the TURL of each input read in place.
 * @throws PilotError FILEHANDLINGFAILURE (1303) for an LFN that is not a plain file name; from
 *   the movers (the first failure's code; no new transfer starts after it); the binding's
 *   NOSTORAGE / NOSTORAGEPROTOCOL when an input has no usable storage; KILLSIGNAL-family codes
 *   when `signal` aborted it.
 */
export async function stageInJobInputs(ctx: JobTransferContext, job: JobDefinition): Promise<Map<string, string>> {
  const files = new Map(job.inputFiles.map((f) => [f.lfn, f]));
  const inputs = ctx.binding.inputs();
  const located: (string | undefined)[] = inputs.map((i) => (i.direct ? i.url : undefined));
  const record: (StagedInFile | undefined)[] = [];
  const toSync: string[] = [];
  const before = new Map((await readStageInRecord(ctx.jobDir)).map((r) => [r.lfn, r]));
  // One listing instead of a stat per input: a fresh job directory holds none of them.
  const present = new Set(await readdir(ctx.jobDir).catch(() => [] as string[]));
  for (const input of inputs) if (input.direct) ctx.log.info(`input ${input.lfn} is read in place from ${input.url} (direct access)`);
  try {
    await forEachBounded(inputs, ctx.stageInConcurrency ?? 1, async (input, i) => {
      if (input.direct) return;
      const file = files.get(input.lfn)!;
      const request = await expectedInput(input.destination, {
        localPath: containedPath(ctx.jobDir, file.lfn, 'input LFN'), url: input.url,
        ...(file.size !== undefined ? { size: file.size } : {}),
        ...(file.checksum ? { checksum: file.checksum } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      const kept = present.has(file.lfn) ? await keptInput(request) : undefined;
      const entry = { activity: input.destination.activity, lfn: file.lfn, url: input.url };
      if (kept) {
        ctx.log.info(`input ${file.lfn} is already in the job directory and verified (${kept.size} bytes, ${formatChecksum(kept.checksum)}): not staged in again`);
        record[i] = { ...entry, size: kept.size, checksum: formatChecksum(kept.checksum), mover: before.get(file.lfn)?.mover ?? 'kept', kept: true };
        // Verified from what the kernel holds, which a crash could still take back: synced with the rest.
        toSync.push(request.localPath);
      } else {
        const result = await stageInFrom(input.destination, { ...request, deferSync: true }, ctx.log);
        toSync.push(request.localPath);
        ctx.log.info(`staged in ${file.lfn} from ${input.url} (${result.size} bytes, ${formatChecksum(result.checksum)}, ${result.mover})`);
        record[i] = { ...entry, size: result.size, checksum: formatChecksum(result.checksum), mover: result.mover };
      }
      located[i] = request.localPath;
    }, ctx.signal);
    if (ctx.signal?.aborted) throw abortError(ctx.signal.reason, ErrorCodes.KILLSIGNAL);
    await syncFilesTogether(toSync).catch((err: unknown) => {
      throw localWriteError(err, `the staged-in inputs of ${ctx.jobDir}`);
    });
  } finally {
    // Once per job, for its report; a lost record only makes the report shorter.
    const written = record.filter((r) => r !== undefined);
    if (written.length) await writeFile(join(ctx.jobDir, STAGEIN_RECORD), `${JSON.stringify(written, null, 2)}\n`).catch(() => undefined);
  }
  return new Map(inputs.map((input, i) => [input.lfn, located[i]!]));
}

/** What stage-in fetched (for the job report): written once when stage-in ends. */
export const STAGEIN_RECORD = 'stagein-record.json';

export interface StagedInFile extends StoredFile {
  readonly activity: Activity;
  /** Already in the job directory from an earlier attempt, verified, not fetched again. */
  readonly kept?: true;
}

export async function readStageInRecord(jobDir: string): Promise<StagedInFile[]> {
  return (await readJsonIfExists<StagedInFile[]>(join(jobDir, STAGEIN_RECORD))) ?? [];
}

export interface StoredFile {
  readonly lfn: string;
  readonly url: string;
  readonly size: number;
  readonly checksum: string;
  readonly mover: string;
}

/** The ledger of outputs already stored, kept in the job directory. */
export const TRANSFER_LEDGER = 'stageout-ledger.json';

export async function readLedger(jobDir: string): Promise<Record<string, StoredFile>> {
  return (await readJsonIfExists<Record<string, StoredFile>>(join(jobDir, TRANSFER_LEDGER))) ?? {};
}

/**
 * Stages out files from the job directory to a destination of the job's binding (e.g.
 * `binding.outputs()`), skipping those the ledger already holds, recording each success in
 * the ledger before going on.
 * Each file is `<jobDir>/<lfn>` (containedPath) and is read as stageOutTo reads it: without
 * following links, one hard link, inside the job directory.
 * @throws PilotError FILEHANDLINGFAILURE (1303) for an LFN that is not a plain file name;
 *   MISSINGOUTPUTFILE (1165) for an output the payload did not produce or that is a link;
 *   the movers' error after the queue's retries.
 */
export async function stageOutJobFiles(ctx: JobTransferContext, files: readonly FileSpec[], dest: BoundDestination): Promise<StoredFile[]> {
  const { activity } = dest;
  const ledger = await readLedger(ctx.jobDir);
  const stored: StoredFile[] = [];
  for (const file of files) {
    const url = dest.fileUrl(file);
    const known = ledger[`${activity}:${file.lfn}`];
    if (known && known.url === url) {
      stored.push(known);
      continue;
    }
    const localPath = containedPath(ctx.jobDir, file.lfn, `${activity} LFN`);
    let result: TransferOutcome;
    try {
      result = await stageOutTo(dest, { localPath, url, ...(ctx.signal ? { signal: ctx.signal } : {}) }, ctx.log, dest.retry, { within: ctx.jobDir });
    } catch (err) {
      if (err instanceof PilotError && err.code === ErrorCodes.MISSINGLOCALFILE) {
        throw new PilotError(ErrorCodes.MISSINGOUTPUTFILE, `output ${file.lfn} was not produced by the payload`, { recoverable: false, cause: err });
      }
      throw err;
    }
    const entry: StoredFile = { lfn: file.lfn, url, size: result.size, checksum: formatChecksum(result.checksum), mover: result.mover };
    ledger[`${activity}:${file.lfn}`] = entry;
    await writeJsonAtomic(join(ctx.jobDir, TRANSFER_LEDGER), ledger);
    ctx.log.info(`staged out ${file.lfn} to ${url} (${result.size} bytes, ${entry.checksum}, ${result.mover})`);
    stored.push(entry);
  }
  return stored;
}
