/**
 * A merge job's `writeToFile` (`inputFor_<name>:<lfn>,<lfn>^...`) turned into what the
 * transform reads: either `@inputFor_<name>` placeholders in the job parameters replaced by the
 * comma-joined local paths (pilot1 59i), or `inputFor_<name>.txt` list files in the work
 * directory when the parameters refer to those (pilot1 HEAD / pilot3).
 */
import { writeFile } from 'node:fs/promises';
import { ErrorCodes, PilotError, containedPath, shellQuote, type JobDefinition, type Logger, type MergeInputList, type PayloadContext } from '../../core/index.js';

/** The job-parameter key of one entry: `inputFor_<name>`. */
export function mergeInputKey(entry: MergeInputList): string {
  return `inputFor_${entry.name}`;
}

/** Matches `text` only when no further name character follows (so `@x` does not match `@x.txt` or `@x1`). */
export function wholeToken(text: string, flags = 'g'): RegExp {
  return new RegExp(`${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_.-])`, flags);
}

/**
 * Local paths of an entry's inputs, in writeToFile order.
 * @throws PilotError MISSINGINPUTFILE (1331) when `ctx.inputPaths` is given and lacks one of them.
 */
export function mergeInputPaths(entry: MergeInputList, ctx: PayloadContext): string[] {
  return entry.inputs.map((lfn) => {
    if (!ctx.inputPaths) return containedPath(ctx.workdir, lfn, 'merge input LFN');
    const path = ctx.inputPaths.get(lfn);
    if (path === undefined) {
      throw new PilotError(ErrorCodes.MISSINGINPUTFILE, `merge input ${lfn} (writeToFile ${mergeInputKey(entry)}) was not staged in`, { recoverable: false });
    }
    return path;
  });
}

/**
 * Applies every writeToFile entry to `jobPars`: a `<key>.txt` reference gets the list file
 * (one local path per line), a `@<key>` placeholder gets the comma-joined paths (one shell
 * word). An entry the parameters do not mention gets its list file and a warning.
 * @returns the rewritten job parameters.
 * @throws PilotError MISSINGINPUTFILE (1331) for an input that was not staged in.
 */
export async function applyMergeInputs(job: JobDefinition, jobPars: string, ctx: PayloadContext, log: Logger): Promise<string> {
  let pars = jobPars;
  for (const entry of job.writeToFile) {
    const key = mergeInputKey(entry);
    const paths = mergeInputPaths(entry, ctx);
    const placeholder = wholeToken(`@${key}`);
    const wantsFile = wholeToken(`${key}.txt`, '').test(pars);
    const wantsList = wholeToken(`@${key}`, '').test(pars);
    if (wantsFile || !wantsList) {
      await writeMergeList(ctx.workdir, key, paths);
      if (!wantsFile) log.warn(`the job parameters do not refer to ${key}; wrote ${key}.txt for the payload to find`);
    }
    if (wantsList) pars = pars.replace(placeholder, () => shellQuote(paths.join(',')));
  }
  return pars;
}

/**
 * Writes `<workdir>/<key>.txt`: optional header lines, then one path per line.
 * @throws PilotError FILEHANDLINGFAILURE (1303) when the name is not a plain file name.
 */
export async function writeMergeList(workdir: string, key: string, paths: readonly string[], header: readonly string[] = []): Promise<string> {
  const file = containedPath(workdir, `${key}.txt`, 'writeToFile name');
  await writeFile(file, [...header, ...paths].map((l) => `${l}\n`).join(''));
  return file;
}
