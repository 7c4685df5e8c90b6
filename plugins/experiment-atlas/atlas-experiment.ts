/**
 * Experiment `atlas`: the generic behaviour plus what ATLAS transforms and AthenaMP expect
 * (reference pilot-anchors.md §3.5–§3.6, §6.1): ATHENA_PROC_NUMBER / ATHENA_CORE_NUMBER from
 * the core count (unset for Merge_tf), the core-count check, the AthenaMP channel-injection
 * forms, merge input list files, AthenaMP worker clean-up and the Token Extractor helper.
 */
import { inject } from '../../core/index.js';
import {
  ErrorCodes, Experiment, LoggerToken, PLUGIN_API_VERSION, PilotError, PluginOptions, pilotPlugin, type JobDefinition,
  type Logger, type PayloadCommand, type PayloadContext, type PayloadHelper, type PayloadHelperContext,
} from '../../core/index.js';
import { GenericExperiment } from '../experiment-generic/index.js';
import { cleanupAthenaMP } from './athena-cleanup.js';
import { parseAtlasOptions, type AtlasOptions } from './atlas-options.js';
import { atlasMergeParameters } from './atlas-merge-inputs.js';
import { injectAthenaChannel } from './channel-injection.js';
import { releaseSetup } from './release-setup.js';
import { TokenExtractor, wantsTokenExtractor } from './token-extractor.js';

const PROC_VARIABLES = ['ATHENA_PROC_NUMBER', 'ATHENA_CORE_NUMBER'] as const;

/** Merge_tf and its flavours (HITSMerge_tf.py, AODMerge_tf.py) run single-process. */
export function isMergeTransform(job: JobDefinition): boolean {
  return job.transformation.includes('Merge_tf');
}

@pilotPlugin({
  provides: Experiment,
  name: 'atlas',
  options: parseAtlasOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'ATLAS: release setup (asetup), AthenaMP channel forms, ATHENA_PROC_NUMBER, Token Extractor, merge list files',
})
export class AtlasExperiment extends GenericExperiment {
  constructor(
    @inject(LoggerToken) log: Logger,
    @inject(PluginOptions) protected readonly options: AtlasOptions,
  ) {
    super(log);
  }

  override async cleanup(workdir: string): Promise<void> {
    await cleanupAthenaMP(workdir, this.log);
    await super.cleanup(workdir);
  }

  /** Starts the Token Extractor for ES jobs that ask for it; no helpers otherwise. */
  async startPayloadHelpers(job: JobDefinition, ctx: PayloadHelperContext): Promise<readonly PayloadHelper[]> {
    if (!job.eventService || !wantsTokenExtractor(job, this.options.tokenExtractorSetup)) return [];
    const te = await TokenExtractor.start(job, ctx, { executable: this.options.tokenExtractor, ...(this.options.tokenExtractorSetup ? { setup: this.options.tokenExtractorSetup } : {}) }, this.log);
    return [te];
  }

  /** The generic command behind the release setup (ATLAS_LOCAL_ROOT_BASE, asetup), when the job has a release and CVMFS is there. */
  override async payloadCommand(job: JobDefinition, ctx: PayloadContext): Promise<PayloadCommand> {
    const base = await super.payloadCommand(job, ctx);
    const setup = releaseSetup(job, { mode: this.options.releaseSetup, cvmfsRoot: this.options.cvmfsRoot });
    return setup ? Object.freeze({ ...base, command: setup + base.command }) : base;
  }

  /** @throws PilotError CORECOUNTMISMATCH (1217) when the job's core count does not fit the slot or the site's pinned ATHENA_PROC_NUMBER. */
  protected override checkJob(job: JobDefinition, ctx: PayloadContext): void {
    if (isMergeTransform(job) || job.prodSourceLabel === 'install') return;
    const cores = coreCountOf(job);
    if (cores > ctx.queue.coreCount) {
      throw new PilotError(ErrorCodes.CORECOUNTMISMATCH, `job ${job.pandaId} needs ${cores} cores but queue ${ctx.queue.name} offers ${ctx.queue.coreCount} (queuedata corecount)`, { recoverable: false });
    }
    const pinned = this.options.athenaProcNumber;
    if (pinned !== undefined && pinned !== cores) {
      throw new PilotError(ErrorCodes.CORECOUNTMISMATCH, `job ${job.pandaId} has coreCount ${cores} but the site pins ATHENA_PROC_NUMBER=${pinned} (pluginOptions.atlas.athenaProcNumber)`, { recoverable: false });
    }
  }

  protected override async jobParameters(job: JobDefinition, ctx: PayloadContext): Promise<string> {
    if (!job.writeToFile.length && !job.eventServiceMerge) return job.jobParameters;
    return atlasMergeParameters(job, ctx, this.log);
  }

  /** Merge_tf must not see a multi-process setting inherited from the site: it is unset in the command. */
  protected override transformCommand(job: JobDefinition, jobPars: string, ctx: PayloadContext): string {
    const command = super.transformCommand(job, jobPars, ctx);
    return isMergeTransform(job) ? `unset ${PROC_VARIABLES.join(' ')}; ${command}` : command;
  }

  protected override injectChannel(command: string, channel: string): string {
    return injectAthenaChannel(command, channel);
  }

  protected override payloadEnv(job: JobDefinition): Record<string, string> {
    if (isMergeTransform(job)) return {};
    const n = String(coreCountOf(job));
    return Object.fromEntries(PROC_VARIABLES.map((v) => [v, n]));
  }
}

function coreCountOf(job: JobDefinition): number {
  return job.coreCount > 0 ? job.coreCount : 1;
}
