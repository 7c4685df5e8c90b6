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
 */
import { inject } from 'tsyringe';
import {
  ConfigError, FieldReader, LoggerToken, PLUGIN_API_VERSION, PandaApi, PluginOptions, ResolverToken, RunJob, SecretsToken, SettingsToken, pilotPlugin,
  type JobOutcome, type Logger, type PilotSettings, type PluginResolver, type RunJobContext, type SecretRegistry, type ConfigIssue,
} from '../../core/index.js';
import { EsJobRun } from './es-job-run.js';
import { recoverEsJob } from './es-job-recovery.js';

export interface RunJobEventOptions {
  /** Rounds of getEventRanges (each with the client's own retries) before `No more events`. */
  readonly getEventRangesAttempts: number;
  /** After the payload exited: how long uploads and reports may still take. */
  readonly finalFlushS: number;
  /** After the payload exited: quiet time that proves its last messages were read. */
  readonly settleMs: number;
  /** Accept output paths outside the job's work directory (containers mounting it elsewhere). */
  readonly allowOutputsOutsideWorkdir: boolean;
  readonly stdoutName: string;
  readonly stderrName: string;
}

export function parseRunJobEventOptions(raw: unknown): RunJobEventOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const opts: RunJobEventOptions = {
    getEventRangesAttempts: r.int('getEventRangesAttempts', { min: 1, max: 100 }, 5),
    finalFlushS: r.number('finalFlushS', { min: 0.1 }, 600),
    settleMs: r.int('settleMs', { min: 0, max: 60_000 }, 300),
    allowOutputsOutsideWorkdir: r.bool('allowOutputsOutsideWorkdir', false),
    stdoutName: fileName(r, 'stdoutName', 'ES_payload_output.txt'),
    stderrName: fileName(r, 'stderrName', 'ES_payload_error.txt'),
  };
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(opts);
}

function fileName(r: FieldReader, key: string, fallback: string): string {
  const v = r.string(key, fallback);
  if (!/^[A-Za-z0-9_.-]+$/.test(v)) r.fail(key, 'a plain file name (letters, digits, _ . -)');
  return v;
}

@pilotPlugin({
  provides: RunJob,
  name: 'event',
  aliases: ['event-service'],
  options: parseRunJobEventOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Event Service: ranges over a yampl channel, outputs streamed to the object store, each range reported once',
})
export class RunJobEvent implements RunJob {
  constructor(
    @inject(LoggerToken) private readonly log: Logger,
    @inject(SettingsToken) private readonly settings: PilotSettings,
    @inject(ResolverToken) private readonly resolver: PluginResolver,
    @inject(SecretsToken) private readonly secrets: SecretRegistry,
    @inject(PluginOptions) private readonly options: RunJobEventOptions,
    @inject(PandaApi) private readonly panda: PandaApi,
  ) {}

  /** Never throws for a job failure; the outcome carries the error code. */
  run(ctx: RunJobContext): Promise<JobOutcome> {
    const { settings, resolver, secrets, panda, options, log } = this;
    return new EsJobRun({ settings, resolver, secrets, panda, options, log }, ctx).run();
  }

  /** Finishes a job whose pilot died, from its range journal (see es-job-recovery.ts). */
  recover(ctx: RunJobContext): Promise<JobOutcome> {
    const { settings, resolver, secrets, panda, options, log } = this;
    return recoverEsJob({ settings, resolver, secrets, panda, options, log }, ctx);
  }
}
