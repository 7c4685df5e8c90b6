import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { PluginLoadError } from '../errors/plugin-errors.js';
import { CommandRunnerToken, LoggerToken, PluginOptions, ResolverToken, SecretsToken, SettingsToken, SyncBatcherToken } from '../contracts/services.js';
import { CommandRunner } from '../util/command-runner.js';
import { SyncBatcher, type Syncer } from '../util/sync-batcher.js';
import type { PilotSettings } from '../config/config-layers.js';
import type { Logger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/secret-registry.js';
import { contractName } from '../contracts/token.js';
import type { PluginEntry } from './plugin-descriptor.js';
import type { PluginRegistry } from './plugin-registry.js';
import { parsePluginOptions } from './plugin-options.js';

export interface RunServices {
  readonly registry: PluginRegistry;
  readonly settings: PilotSettings;
  readonly logger: Logger;
  readonly secrets: SecretRegistry;
  /** Extra run-wide values (PandaApi, ...) by token. */
  readonly values?: ReadonlyArray<readonly [symbol, unknown]>;
}

/**
 * The run's container: a child of tsyringe's root that holds this run's services, and one
 * grandchild per plugin instance with that plugin's parsed options and tagged logger.
 * Instances are cached per plugin, so one S3 client serves the whole run; `dispose()` closes
 * them all.
 */
export class PluginResolver {
  readonly container: DependencyContainer;
  /** Starts the run's child processes; disposed (children killed) with the run. */
  readonly commands: CommandRunner;
  private readonly instances = new Map<PluginEntry, unknown>();
  private readonly sharedInstances = new Map<object, unknown>();
  private disposed = false;

  constructor(readonly services: RunServices) {
    // Tokens are registered on this child only; the root stays empty (the decorator registers nothing).
    this.container = rootContainer.createChildContainer();
    this.container.register(SettingsToken, { useValue: services.settings });
    this.container.register(SecretsToken, { useValue: services.secrets });
    this.container.register(LoggerToken, { useValue: services.logger });
    this.container.register(ResolverToken, { useValue: this });
    this.commands = new CommandRunner(services.secrets, services.logger.child('command'));
    this.container.register(CommandRunnerToken, { useValue: this.commands });
    this.container.register(SyncBatcherToken, { useValue: new SyncBatcher() });
    for (const [token, value] of services.values ?? []) this.container.register(token, { useValue: value });
  }

  get registry(): PluginRegistry {
    return this.services.registry;
  }

  /** The run's fsync group commit (a test may provide its own under SyncBatcherToken). */
  get syncs(): Syncer {
    return this.container.resolve<Syncer>(SyncBatcherToken);
  }

  /** Registers a run-wide value after construction (e.g. the PanDA client once the server is known). */
  provide(token: symbol, value: unknown): void {
    this.container.register(token, { useValue: value });
  }

  /** A run-wide value by token, or undefined when nothing provided it (yet). */
  valueIfProvided<T>(token: symbol): T | undefined {
    return this.container.isRegistered(token, true) ? this.container.resolve<T>(token) : undefined;
  }

  /**
   * The instance of a plugin, created on first use.
   * @throws PluginNotFoundError for an unknown name; ConfigError for bad options; PluginLoadError when construction fails.
   */
  get<T>(contract: symbol, name: string, scheme?: string): T {
    return this.instantiate<T>(this.registry.find(contract, name, scheme));
  }

  /**
   * A new, uncached instance of a plugin for one use (each ES job gets its own payload
   * channel). The caller disposes of it; the resolver does not.
   * @throws like `get`.
   */
  create<T>(contract: symbol, name: string, scheme?: string): T {
    if (this.disposed) throw new Error('plugin resolver used after dispose()');
    return this.construct<T>(this.registry.find(contract, name, scheme));
  }

  /**
   * The run's one instance of a helper that several plugins use together, keyed by its class
   * and made by the first caller's `create` (the S3 mover and the S3 checksum store share one
   * S3 storage service: keys, clients, what was just written), so that neither needs the other
   * by name. Disposed with the run, after the plugins.
   * @throws what `create` throws (nothing is cached then).
   */
  shared<T extends object>(key: abstract new (...args: never[]) => T, create: () => T): T {
    if (this.disposed) throw new Error('plugin resolver used after dispose()');
    const cached = this.sharedInstances.get(key);
    if (cached) return cached as T;
    const instance = create();
    if (!(instance instanceof key)) throw new TypeError(`shared(${key.name}): create() made no ${key.name}`);
    this.sharedInstances.set(key, instance);
    return instance;
  }

  instantiate<T>(entry: PluginEntry): T {
    if (this.disposed) throw new Error('plugin resolver used after dispose()');
    const cached = this.instances.get(entry);
    if (cached) return cached as T;
    const instance = this.construct<T>(entry);
    this.instances.set(entry, instance);
    return instance;
  }

  private construct<T>(entry: PluginEntry): T {
    const d = entry.descriptor;
    const child = this.container.createChildContainer();
    child.register(PluginOptions, { useValue: this.parseOptions(entry) });
    child.register(LoggerToken, { useValue: this.services.logger.child(`${kind(d.provides)}:${d.name}`) });
    let instance: T;
    try {
      instance = child.resolve<T>(entry.target as never);
    } catch (err) {
      throw new PluginLoadError(entry.module, `cannot create ${contractName(d.provides)} "${d.name}": ${(err as Error).message}`, err);
    }
    return instance;
  }

  /**
   * Parses the options section of a plugin (for preflight as well as construction).
   * @throws ConfigError for bad or unknown keys (see parsePluginOptions).
   */
  parseOptions(entry: PluginEntry): unknown {
    return parsePluginOptions(entry.descriptor, this.services.settings.pilot.pluginOptions[entry.descriptor.name]);
  }

  /** Disposes every instance that has `dispose()`, newest first, then the shared helpers. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const all = [...this.instances.values()].reverse().concat([...this.sharedInstances.values()].reverse());
    this.instances.clear();
    this.sharedInstances.clear();
    for (const inst of all) {
      const d = (inst as { dispose?: () => unknown }).dispose;
      if (typeof d === 'function') {
        try {
          await d.call(inst);
        } catch (err) {
          this.services.logger.warn(`dispose failed: ${(err as Error).message}`);
        }
      }
    }
    await this.commands.dispose();
    await this.container.dispose();
  }
}

function kind(token: symbol): string {
  const n = contractName(token);
  return n.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
