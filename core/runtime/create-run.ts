/**
 * One pilot run's world: merged settings, loaded plugins, secrets, logger and container.
 * Everything a command needs is built here and torn down by `dispose()`; nothing is global.
 */
import { mergeSettings, queuedataLayer, settingsFrom, siteLayer, envLayer, type ConfigLayer, type PilotSettings } from '../config/config-layers.js';
import type { ConfigIssue } from '../errors/config-error.js';
import { ChecksumStore } from '../contracts/checksum-store.js';
import { Experiment } from '../contracts/experiment.js';
import { PandaApi } from '../contracts/panda-api.js';
import { PayloadChannel } from '../contracts/payload-channel.js';
import { PayloadLauncher } from '../contracts/payload-launcher.js';
import { RunJob } from '../contracts/run-job.js';
import { SiteMover } from '../contracts/site-mover.js';
import { createLogger, type LogFormat, type LogLevel, type Logger, type LogRecord } from '../logging/logger.js';
import { SecretRegistry } from '../logging/secret-registry.js';
import { loadPlugins } from '../plugin/plugin-loader.js';
import { PluginResolver } from '../plugin/plugin-resolver.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';

/** Every contract a plugin may provide. */
export const CONTRACTS: readonly symbol[] = [Experiment, RunJob, SiteMover, PayloadChannel, ChecksumStore, PayloadLauncher, PandaApi];

export interface RunOptions {
  /** Site configuration file (`--config`). */
  readonly configPath?: string;
  /** Queuedata file (`--queue`). */
  readonly queuePath?: string;
  /** Queuedata already loaded (a CRIC queue and its endpoints, cric-queue.ts); used instead of `queuePath`. */
  readonly queueLayers?: readonly ConfigLayer[];
  /** Highest-precedence layer (CLI flags), already in layer form. */
  readonly cli?: Omit<ConfigLayer, 'source'>;
  /** Extra layers between queuedata and the site file (e.g. a demo's generated settings). */
  readonly extraLayers?: readonly ConfigLayer[];
  readonly env?: NodeJS.ProcessEnv;
  readonly builtins?: boolean;
  /** Log destination override (tests collect lines). */
  readonly logSink?: (record: LogRecord, line: string) => void;
  readonly logLevel?: LogLevel;
  readonly logFormat?: LogFormat;
  /** An existing registry of secrets to share (e.g. with an embedded server in the same process). */
  readonly secrets?: SecretRegistry;
  /**
   * When given, configuration problems are appended here instead of thrown, and the run is
   * built from what parsed (`espilot check` reports them with the plugin-level problems).
   */
  readonly collectIssues?: ConfigIssue[];
}

export interface PilotRun {
  readonly settings: PilotSettings;
  readonly registry: PluginRegistry;
  readonly resolver: PluginResolver;
  readonly secrets: SecretRegistry;
  readonly logger: Logger;
  dispose(): Promise<void>;
}

/** Builds the layers in precedence order: queuedata < env < extra < site file < CLI. */
export function buildLayers(options: RunOptions): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  if (options.queueLayers) layers.push(...options.queueLayers);
  else if (options.queuePath) layers.push(queuedataLayer(options.queuePath));
  layers.push(envLayer(options.env ?? process.env));
  layers.push(...(options.extraLayers ?? []));
  if (options.configPath) layers.push(siteLayer(options.configPath));
  if (options.cli) layers.push({ source: 'cli', ...options.cli });
  return layers;
}

/**
 * @throws ConfigError for bad configuration (unless `collectIssues`; unreadable files always throw); PluginLoadError / DuplicatePluginError for plugin problems.
 */
export async function createRun(options: RunOptions = {}): Promise<PilotRun> {
  const layers = buildLayers(options);
  const settings = options.collectIssues ? settingsFrom(layers, options.collectIssues) : mergeSettings(layers);
  const secrets = options.secrets ?? new SecretRegistry();
  const logger = createLogger({
    secrets,
    level: options.logLevel ?? settings.pilot.logging.level,
    format: options.logFormat ?? settings.pilot.logging.format,
    ...(options.logSink ? { sink: options.logSink } : {}),
  });
  const registry = await loadPlugins(settings.pilot.plugins, { contracts: CONTRACTS, builtins: options.builtins ?? true });
  const resolver = new PluginResolver({ registry, settings, logger, secrets });
  return { settings, registry, resolver, secrets, logger, dispose: () => resolver.dispose() };
}
