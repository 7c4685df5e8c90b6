/**
 * ATLAS merge jobs: `--autoConfiguration=everything` is dropped (it would re-derive settings
 * from the per-range inputs), then the inputs go to the transform in list files as pilot3
 * `process_writetofile` writes them (experiment-generic merge-inputs.ts): each
 * `--<opt>=@inputFor_<name>` becomes `@inputFor_<name>.txt`, a file holding `--<opt>` then one
 * local path per line, which the transform's argument parser expands.
 */
import type { JobDefinition, Logger, PayloadContext } from '../../core/index.js';
import { applyMergeInputs } from '../experiment-generic/index.js';

export function atlasMergeParameters(job: JobDefinition, ctx: PayloadContext, log: Logger): Promise<string> {
  const pars = job.jobParameters.replace(/\s*--autoConfiguration=everything(?=\s|$)/g, '').trim();
  return applyMergeInputs(job, pars, ctx, log);
}
