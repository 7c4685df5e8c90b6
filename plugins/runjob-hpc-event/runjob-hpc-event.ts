/**
 * RunJob `hpc-event` (pilot1's RunJobHpcEvent): one pilot serves the event ranges of an ES
 * job to M payload instances started across an allocation by a configurable launch command
 * (`srun`, `mpirun`, or local processes), each over its own TCP channel. Chosen by the
 * experiment for ES jobs on queues with an HPC flag (catchall `HPC_<name>` / `hpc`).
 * Options: `pluginOptions.hpc-event` (hpc-event-options.ts), RunJobEvent's included.
 */
import { inject } from 'tsyringe';
import {
  LoggerToken, PLUGIN_API_VERSION, PandaApi, PluginOptions, ResolverToken, RunJob, SecretsToken, SettingsToken, pilotPlugin,
  type JobOutcome, type Logger, type PilotSettings, type PluginResolver, type RunJobContext, type SecretRegistry,
} from '../../core/index.js';
import { HpcEventRun } from './hpc-event-run.js';
import { parseHpcEventOptions, type HpcEventOptions } from './hpc-event-options.js';

@pilotPlugin({
  provides: RunJob,
  name: 'hpc-event',
  options: parseHpcEventOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Event Service across an allocation: M payload instances over TCP channels, one journal and reporter',
})
export class RunJobHpcEvent implements RunJob {
  constructor(
    @inject(LoggerToken) private readonly log: Logger,
    @inject(SettingsToken) private readonly settings: PilotSettings,
    @inject(ResolverToken) private readonly resolver: PluginResolver,
    @inject(SecretsToken) private readonly secrets: SecretRegistry,
    @inject(PluginOptions) private readonly options: HpcEventOptions,
    @inject(PandaApi) private readonly panda: PandaApi,
  ) {}

  /** Never throws for a job failure; the outcome carries the error code. */
  run(ctx: RunJobContext): Promise<JobOutcome> {
    const { settings, resolver, secrets, panda, options, log } = this;
    return new HpcEventRun({ settings, resolver, secrets, panda, options, log }, ctx, options).run();
  }
}
