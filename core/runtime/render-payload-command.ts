/**
 * The payload command an experiment builds for a job, rendered for people (`espilot run
 * --dry-run`). It calls `Experiment.payloadCommand`, so merge list files are written into
 * `ctx.workdir`: pass a scratch directory.
 */
import type { Experiment, PayloadCommand, PayloadContext } from '../contracts/experiment.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import { shellQuote } from '../util/shell-quote.js';

export interface RenderedPayloadCommand extends PayloadCommand {
  /** `K=v` lines for the experiment's environment additions, then the command line. */
  readonly text: string;
}

/** @throws what `experiment.payloadCommand` throws (PilotError). */
export async function renderPayloadCommand(experiment: Experiment, job: JobDefinition, ctx: PayloadContext): Promise<RenderedPayloadCommand> {
  const pc = await experiment.payloadCommand(job, ctx);
  const envLines = Object.entries(pc.env).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return Object.freeze({ ...pc, text: [...envLines, pc.command].join('\n') });
}
