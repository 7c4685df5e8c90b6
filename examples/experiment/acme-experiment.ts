/**
 * A site's or experiment's own Experiment in one file, built on the generic one: the ACME
 * collaboration's payloads need their software set up first, read the thread count from
 * `ACME_THREADS`, take the event-range channel as a `--event-channel` argument, and report
 * configuration errors that no retry can fix. It imports the pilot by package name, as an
 * experiment living outside this repository would.
 *
 * Build: `npx tsc -p examples`; select it from a site config with
 * `"plugins": ["./acme-experiment.js"], "experiment": "acme-physics"`.
 */
import {
  ConfigError, ErrorCodes, Experiment, FieldReader, LoggerToken, PLUGIN_API_VERSION, PluginOptions, inject, pilotPlugin, shellQuote,
  type ConfigIssue, type JobDefinition, type Logger, type PayloadContext, type PayloadErrorClass,
} from 'espilot';
import { CHANNEL_VARIABLE, GenericExperiment } from 'espilot/experiment-generic';

interface AcmeOptions {
  /** Shell text that sets up the ACME software before the transform runs. */
  readonly setup?: string;
}

function parseAcmeOptions(raw: unknown): AcmeOptions {
  const issues: ConfigIssue[] = [];
  const setup = FieldReader.of('', raw, issues).string('setup');
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(setup ? { setup } : {});
}

@pilotPlugin({ provides: Experiment, name: 'acme-physics', options: parseAcmeOptions, apiVersion: PLUGIN_API_VERSION, description: 'example experiment' })
export class AcmeExperiment extends GenericExperiment {
  // tsyringe reads injection tokens from this class, so the constructor restates them.
  constructor(
    @inject(LoggerToken) log: Logger,
    @inject(PluginOptions) private readonly options: AcmeOptions,
  ) {
    super(log);
  }

  /** Configuration errors repeat on every attempt: the range is fatal. */
  override classifyPayloadError(acronym: string, diagnostics: string): PayloadErrorClass {
    if (/^(ERR_)?ACME_CONFIG/.test(acronym)) return { code: ErrorCodes.ESFATAL, status: 'fatal' };
    return super.classifyPayloadError(acronym, diagnostics);
  }

  protected override transformCommand(job: JobDefinition, jobPars: string, ctx: PayloadContext): string {
    const command = super.transformCommand(job, jobPars, ctx);
    return this.options.setup ? `${this.options.setup.trim().replace(/;$/, '')}; ${command}` : command;
  }

  protected override injectChannel(command: string, channel: string, job: JobDefinition): string {
    if (command.includes(CHANNEL_VARIABLE)) return super.injectChannel(command, channel, job);
    return `${command} --event-channel=${shellQuote(channel)}`;
  }

  protected override payloadEnv(job: JobDefinition): Record<string, string> {
    return { ACME_THREADS: String(Math.max(1, job.coreCount)) };
  }
}
