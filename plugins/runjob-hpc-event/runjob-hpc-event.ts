/**
 * RunJob `hpc-event` (pilot1's RunJobHpcEvent): one pilot serves the event ranges of an ES
 * job to M payload instances started across an allocation by a configurable launch command
 * (`srun`, `mpirun`, or local processes), each over its own TCP channel. Chosen by the
 * experiment for ES jobs on queues with an HPC flag (catchall `HPC_<name>` / `hpc`).
 * Options: `pluginOptions.hpc-event` (hpc-event-options.ts), the ES runner's included.
 */
import { inject } from '../../core/index.js';
import {
  EsJobRun, LoggerToken, PLUGIN_API_VERSION, PandaApi, PluginOptions, ResolverToken, RunJob, SecretsToken, SettingsToken, pilotPlugin,
  recoverEsJob, type EsJobDeps, type JobOutcome, type Logger, type PilotSettings, type PluginResolver, type RunJobContext, type SecretRegistry,
} from '../../core/index.js';
import { HpcPayloadSeams } from './hpc-payload-seams.js';
import { parseHpcEventOptions, type HpcEventOptions } from './hpc-event-options.js';

@pilotPlugin({
  provides: RunJob,
  name: 'hpc-event',
  options: parseHpcEventOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Event Service across an allocation: M payload instances over TCP channels, one journal and reporter',
})
export class RunJobHpcEvent implements RunJob {
  private readonly deps: EsJobDeps;

  constructor(
    @inject(LoggerToken) log: Logger,
    @inject(SettingsToken) settings: PilotSettings,
    @inject(ResolverToken) resolver: PluginResolver,
    @inject(SecretsToken) secrets: SecretRegistry,
    @inject(PluginOptions) private readonly options: HpcEventOptions,
    @inject(PandaApi) panda: PandaApi,
  ) {
    this.deps = { settings, resolver, secrets, panda, options, log };
  }

  /** Never throws for a job failure; the outcome carries the error code. */
  run(ctx: RunJobContext): Promise<JobOutcome> {
    const { settings, resolver, log } = this.deps;
    const seams = new HpcPayloadSeams(settings, resolver, this.options, ctx, log.child(`job-${ctx.job.pandaId}`));
    return new EsJobRun(this.deps, ctx, seams).run();
  }

  /**
   * Finishes a job whose pilot died, from its range journal, as RunJob `event` does: every
   * instance the dead pilot left running is stopped, outputs journaled but not stored are
   * stored and reported, each range once (core/eventservice/es-job-recovery.ts).
   * @throws PilotError COMMUNICATIONFAILURE (recoverable) when reports stay unacknowledged.
   */
  recover(ctx: RunJobContext): Promise<JobOutcome> {
    return recoverEsJob(this.deps, ctx);
  }
}
