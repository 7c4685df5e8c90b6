/**
 * Infrastructure tokens a plugin may inject besides the contracts. Each run's container
 * binds them; none is a module-level singleton.
 */
export const LoggerToken: unique symbol = Symbol('Logger');
export const SecretsToken: unique symbol = Symbol('SecretRegistry');
/** The plugin's own options section, already parsed by its descriptor's `options` parser. */
export const PluginOptions: unique symbol = Symbol('PluginOptions');
/** The run's merged, frozen configuration (`PilotSettings`). */
export const SettingsToken: unique symbol = Symbol('PilotSettings');
/** The run's `PluginResolver`, for plugins that use other plugins (a RunJob uses movers). */
export const ResolverToken: unique symbol = Symbol('PluginResolver');
/**
 * The run's `CommandRunner` (core/runtime/command-runner.ts): the one way plugins start tools
 * such as xrdcp, with argument arrays, scrubbed environments and deadlines.
 */
export const CommandRunnerToken: unique symbol = Symbol('CommandRunner');
