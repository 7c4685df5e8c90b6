/**
 * A job's log, packed and stored: the one procedure every RunJob (normal, ES, merge) and
 * their recoveries use. The tarball goes where the binding says (`pl`, else `pw`) and a
 * copy to the object store (`pls`) when the binding has one; the copy's failure is ignored
 * (pilot1 transferLogToObjectStore).
 */
import type { JobDefinition } from '../contracts/job-definition.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { toPilotError, type PilotError } from '../errors/pilot-error.js';
import { stageOutJobFiles, type JobTransferContext, type StoredFile } from './job-transfers.js';
import { createLogTarball } from './log-tarball.js';

export interface StoredLog {
  /** Where the log was stored (`pl`/`pw`); undefined when the job has no log file or it failed. */
  readonly stored?: StoredFile;
  /** The object store copy, when one was made. */
  readonly copy?: StoredFile;
  /** Why the log could not be made or stored (the job fails with it). */
  readonly error?: PilotError;
}

/**
 * Packs and stores `job.logFile`. Never throws.
 * @param dataFiles paths relative to the job directory left out of the tarball (see createLogTarball).
 */
export async function storeJobLog(ctx: JobTransferContext, job: JobDefinition, dataFiles: ReadonlySet<string>, env: Record<string, string>): Promise<StoredLog> {
  if (!job.logFile) return {};
  // The log is stored even after a kill: the transfer is not cut short by the job's signal.
  const transfers: JobTransferContext = { binding: ctx.binding, jobDir: ctx.jobDir, log: ctx.log };
  const exclude = new Set([...dataFiles, ...job.inputFiles.map((f) => f.lfn), ...job.outputFiles.map((f) => f.lfn)]);
  let stored: StoredFile;
  try {
    await createLogTarball(ctx.jobDir, job.logFile.lfn, exclude, env);
    [stored] = (await stageOutJobFiles(transfers, [job.logFile], ctx.binding.log())) as [StoredFile];
  } catch (err) {
    const error = toPilotError(err, ErrorCodes.STAGEOUTFAILED, `log ${job.logFile.lfn}`);
    ctx.log.error(`log stage-out failed: ${error.codeName} ${error.message}`);
    return { error };
  }
  const dest = ctx.binding.logCopy();
  if (!dest) return { stored };
  try {
    const [copy] = await stageOutJobFiles(transfers, [job.logFile], dest);
    return { stored, ...(copy ? { copy } : {}) };
  } catch (err) {
    ctx.log.warn(`log copy to the object store ignored: ${(err as Error).message}`);
    return { stored };
  }
}
