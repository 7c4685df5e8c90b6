/**
 * RunJob `event` (pilot1's RunJobEvent): runs an Event Service job. The payload gets event
 * ranges one by one over a yampl channel; each output is stored as soon as it is reported
 * and only then reported `finished`; every range ends in exactly one final state, journaled
 * so that a restarted pilot can finish the reporting (see core/eventservice/journal-reader.ts).
 *
 * Behaviour, in order:
 * 1. resolves the ES storage (es_events, es_failover), creates `<workdir>/es-journal.jsonl`,
 *    opens a fresh channel `EventService_EventRanges_<pid>_<random>` at ipc:///tmp/zmq_<name>,
 *    starts the experiment's payload helpers, fetches the first ranges unless
 *    `eventService.prefetchBeforeReady` is false (none at all: failed, NOEVENTS 1238);
 * 2. launches the experiment's command through `pilot.launcher`, stdout/stderr into the workdir;
 * 3. serves the payload; silence beyond `maxWaitForEventS` → SIGTERM, SIGKILL after
 *    `killGraceS` (1227); after the first `No more events` (server empty, softkill, too many
 *    consecutive stage-out failures) the payload has `payloadGraceS` to exit;
 *    `control.softkill` / server `softkill` stop dispatching, `control.kill` / `tobekilled` kill now;
 * 4. after the payload ends: ranges it still held are failed (1227), uploads and reports get
 *    `finalFlushS`, the channel closes, and the outcome is finished unless outputs were lost,
 *    the payload died early or was killed, or a range was fatal; `holding` when outputs or
 *    reports are still pending (kept in the journal).
 * All of it but the channel and the launch (local-payload-seams.ts) is the core's ES runner
 * (core/eventservice/es-job-run.ts); `recover` is the core's `recoverEsJob`.
 */
import { inject } from '../../core/index.js';
import {
  EsJobRun, LoggerToken, PLUGIN_API_VERSION, PandaApi, PluginOptions, ResolverToken, RunJob, SecretsToken, SettingsToken, parseEsRunnerOptions,
  pilotPlugin, recoverEsJob, type EsJobDeps, type EsRunnerOptions, type JobOutcome, type Logger, type PilotSettings, type PluginResolver,
  type RunJobContext, type SecretRegistry,
} from '../../core/index.js';
import { LocalPayloadSeams } from './local-payload-seams.js';

/** `pluginOptions.event`: the core ES runner's options (es-runner-options.ts). */
export type RunJobEventOptions = EsRunnerOptions;

/** @throws ConfigError naming each bad field. */
export const parseRunJobEventOptions: (raw: unknown) => RunJobEventOptions = parseEsRunnerOptions;

@pilotPlugin({
  provides: RunJob,
  name: 'event',
  aliases: ['event-service'],
  options: parseRunJobEventOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Event Service: ranges over a yampl channel, outputs streamed to the object store, each range reported once',
})
export class RunJobEvent implements RunJob {
  private readonly deps: EsJobDeps;

  constructor(
    @inject(LoggerToken) log: Logger,
    @inject(SettingsToken) settings: PilotSettings,
    @inject(ResolverToken) resolver: PluginResolver,
    @inject(SecretsToken) secrets: SecretRegistry,
    @inject(PluginOptions) options: RunJobEventOptions,
    @inject(PandaApi) panda: PandaApi,
  ) {
    this.deps = { settings, resolver, secrets, panda, options, log };
  }

  /** Never throws for a job failure; the outcome carries the error code. */
  run(ctx: RunJobContext): Promise<JobOutcome> {
    const { settings, resolver, options } = this.deps;
    return new EsJobRun(this.deps, ctx, new LocalPayloadSeams(settings, resolver, options, ctx)).run();
  }

  /**
   * Finishes a job whose pilot died, from its range journal (core/eventservice/es-job-recovery.ts).
   * @throws PilotError COMMUNICATIONFAILURE (recoverable) when reports stay unacknowledged.
   */
  recover(ctx: RunJobContext): Promise<JobOutcome> {
    return recoverEsJob(this.deps, ctx);
  }
}
