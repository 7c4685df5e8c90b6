/**
 * ATLAS merge jobs: `--autoConfiguration=everything` is dropped (it would re-derive settings
 * from the per-range inputs), and in `list-file` mode each `--<opt>=@inputFor_<name>` becomes
 * `@inputFor_<name>.txt`, a file holding `--<opt>` then one local path per line, which the
 * transform's argument parser expands (pilot3 `process_writetofile`). Other references fall
 * back to the generic handling (placeholders, `.txt` lists).
 */
import type { JobDefinition, Logger, PayloadContext } from '../../core/index.js';
import { applyMergeInputs, mergeInputKey, mergeInputPaths, wholeToken, writeMergeList } from '../experiment-generic/index.js';

export async function atlasMergeParameters(
  job: JobDefinition, ctx: PayloadContext, mode: 'list-file' | 'placeholder', log: Logger,
): Promise<string> {
  let pars = job.jobParameters.replace(/\s*--autoConfiguration=everything(?=\s|$)/g, '').trim();
  const remaining = [];
  for (const entry of job.writeToFile) {
    const key = mergeInputKey(entry);
    const option = mode === 'list-file' ? new RegExp(`--([A-Za-z0-9_]+)=${wholeToken(`@${key}`, '').source}`).exec(pars) : null;
    if (!option) {
      remaining.push(entry);
      continue;
    }
    await writeMergeList(ctx.workdir, key, mergeInputPaths(entry, ctx), [`--${option[1]}`]);
    pars = pars.replace(option[0], `@${key}.txt`);
  }
  return remaining.length ? applyMergeInputs({ ...job, writeToFile: remaining }, pars, ctx, log) : pars;
}
