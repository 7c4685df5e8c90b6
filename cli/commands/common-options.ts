import type { Command } from 'commander';
import { createRun, type ConfigIssue, type LogRecord, type PilotRun } from '../../core/index.js';
import { queueLayersOf, withQueueOptions, type QueueFlags } from './queue-options.js';

export interface ConfigFlags extends QueueFlags {
  readonly config?: string;
  readonly experiment?: string;
  readonly logLevel?: string;
  readonly logFormat?: string;
  /** Command-specific settings for the CLI layer (`config` names). */
  readonly cliExtra?: Record<string, unknown>;
  /** Where CRIC copies are cached (default: the current directory). */
  readonly cacheDir?: string;
  /** Log lines go here instead of stderr (run: pilotlog.txt as well). */
  readonly logSink?: (record: LogRecord, line: string) => void;
}

/** `--config` / `--queue` (and the CLI-layer overrides) shared by the commands that read configuration. */
export function withConfigOptions(cmd: Command): Command {
  return withQueueOptions(cmd
    .option('-c, --config <site.json>', 'site configuration file (plugins, options, queuedata overrides)'))
    .option('--experiment <name>', 'experiment plugin (overrides the configuration)')
    .option('--log-level <level>', 'silent, error, warn, info, debug')
    .option('--log-format <format>', 'text or json');
}

/** CLI flags as the top configuration layer. */
export function cliLayer(flags: ConfigFlags): { pilot: Record<string, unknown> } {
  const pilot: Record<string, unknown> = {};
  if (flags.experiment) pilot['experiment'] = flags.experiment;
  const logging: Record<string, unknown> = {};
  if (flags.logLevel) logging['level'] = flags.logLevel;
  if (flags.logFormat) logging['format'] = flags.logFormat;
  if (Object.keys(logging).length) pilot['logging'] = logging;
  return { pilot };
}

/** `collectIssues`: configuration problems go there instead of being thrown (see createRun). */
export async function openRun(flags: ConfigFlags, collectIssues?: ConfigIssue[]): Promise<PilotRun> {
  const queueLayers = await queueLayersOf(flags, flags.cacheDir ?? process.cwd(), flags.logSink);
  return createRun({
    ...(collectIssues ? { collectIssues } : {}),
    ...(flags.config ? { configPath: flags.config } : {}),
    ...(queueLayers.length ? { queueLayers } : {}),
    ...(flags.logSink ? { logSink: flags.logSink } : {}),
    cli: { pilot: { ...cliLayer(flags).pilot, ...(flags.cliExtra ?? {}) } },
  });
}
