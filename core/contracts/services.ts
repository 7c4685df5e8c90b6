/**
 * Infrastructure tokens a plugin may inject besides the contracts. Each run's container
 * binds them; none is a module-level singleton.
 */
import { serviceToken } from './token.js';

export const LoggerToken: unique symbol = serviceToken('Logger') as never;
export const SecretsToken: unique symbol = serviceToken('SecretRegistry') as never;
/** The plugin's own options section, already parsed by its descriptor's `options` parser. */
export const PluginOptions: unique symbol = serviceToken('PluginOptions') as never;
/** The run's merged, frozen configuration (`PilotSettings`). */
export const SettingsToken: unique symbol = serviceToken('PilotSettings') as never;
/** The run's `PluginResolver`, for plugins that use other plugins (a RunJob uses movers). */
export const ResolverToken: unique symbol = serviceToken('PluginResolver') as never;
/**
 * The run's `CommandRunner` (core/runtime/command-runner.ts): the one way plugins start tools
 * such as xrdcp, with argument arrays, scrubbed environments and deadlines.
 */
export const CommandRunnerToken: unique symbol = serviceToken('CommandRunner') as never;
/**
 * The run's fsync group commit (`Syncer`, core/util/sync-batcher.ts): the range journal and
 * the local mover share it, so a file:// store pays a few syncs per batch, not several per range.
 */
export const SyncBatcherToken: unique symbol = serviceToken('SyncBatcher') as never;
