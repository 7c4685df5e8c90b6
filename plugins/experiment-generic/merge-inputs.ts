/**
 * A merge job's `writeToFile` (`inputFor_<name>:<lfn>,<lfn>^...`) turned into list files the
 * transform reads, never into arguments (a merge of thousands of inputs would not fit in one
 * command line: E2BIG). As pilot3 `process_writetofile` does: `--<opt>=@inputFor_<name>`
 * becomes `@inputFor_<name>.txt`, a file holding `--<opt>` then one local path per line, which
 * the transform's argument parser expands (argparse `fromfile_prefix_chars='@'`); a bare
 * `@inputFor_<name>` becomes `@inputFor_<name>.txt` holding the paths alone; a parameter that
 * names `inputFor_<name>.txt` itself gets that file of paths.
 */
import { writeFile } from 'node:fs/promises';
import { ErrorCodes, PilotError, containedPath, type JobDefinition, type Logger, type MergeInputList, type PayloadContext } from '../../core/index.js';

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
 * Applies every writeToFile entry to `jobPars` (see the file comment). An entry the
 * parameters do not mention gets its list file and a warning.
 * @returns the rewritten job parameters.
 * @throws PilotError MISSINGINPUTFILE (1331) for an input that was not staged in;
 *   FILEHANDLINGFAILURE (1303) for a writeToFile name that is not a plain file name.
 */
export async function applyMergeInputs(job: JobDefinition, jobPars: string, ctx: PayloadContext, log: Logger): Promise<string> {
  let pars = jobPars;
  for (const entry of job.writeToFile) {
    const key = mergeInputKey(entry);
    const paths = mergeInputPaths(entry, ctx);
    const placeholder = wholeToken(`@${key}`, '').source;
    const option = new RegExp(`--([A-Za-z0-9_]+)=${placeholder}`).exec(pars);
    const bare = new RegExp(placeholder).test(pars);
    if (!bare && !wholeToken(`${key}.txt`, '').test(pars)) {
      log.warn(`the job parameters do not refer to ${key}; wrote ${key}.txt for the payload to find`);
    }
    await writeMergeList(ctx.workdir, key, paths, option ? [`--${option[1]}`] : []);
    if (option) pars = pars.replace(option[0], () => `@${key}.txt`);
    pars = pars.replace(wholeToken(`@${key}`), () => `@${key}.txt`);
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
