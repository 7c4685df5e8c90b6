import type { Command } from 'commander';
import { buildConfigReference, contractName, renderConfigReference, type PilotRun } from '../../core/index.js';
import { PLUGIN_OPTION_DOCS } from '../reference/plugin-option-docs.js';
import { openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

/** `espilot config`: the merged configuration, optionally with the layer each value came from, or the reference of every key. */
export function registerConfigCommand(program: Command): void {
  withConfigOptions(program.command('config').description('print the merged configuration (CLI > site file > env > queuedata > defaults)'))
    .option('--explain', 'show where each value came from')
    .option('--reference', 'print the configuration reference (every key, type, default; markdown, as in docs/configuration.md)')
    .action(async (flags: ConfigFlags & { explain?: boolean; reference?: boolean }) => {
      const run = await openRun(flags);
      try {
        if (flags.reference) {
          process.stdout.write(configReferenceOf(run));
          return;
        }
        if (!flags.explain) {
          process.stdout.write(`${JSON.stringify({ config: run.settings.pilot, queue: run.settings.queue }, redactSecrets, 2)}\n`);
          return;
        }
        const rows = run.settings.explain().map((e) => [e.path, JSON.stringify(redactSecrets(e.path, e.value)), e.ignored ? `${e.source} (ignored: espilot does not read it)` : e.source]);
        const w0 = Math.max(...rows.map((r) => r[0]!.length));
        const w1 = Math.min(60, Math.max(...rows.map((r) => r[1]!.length)));
        for (const [p, v, s] of rows) process.stdout.write(`${p!.padEnd(w0)}  ${v!.padEnd(w1)}  ${s}\n`);
      } finally {
        await run.dispose();
      }
    });
}

/**
 * Hides values of secret-looking keys (`credentials.secretKey`, `password`, ...) in printed
 * configuration; names and file paths of secrets (`secretKeyName`, `tokenFile`) stay visible.
 */
export function redactSecrets(key: string, value: unknown): unknown {
  const leaf = key.slice(key.lastIndexOf('.') + 1);
  if (typeof value === 'string' && /secret|password|passwd|private|token/i.test(leaf) && !/(File|Name|Path)$/.test(leaf)) return '********';
  return value;
}

/** The reference markdown for the run's loaded plugins (built-ins: docs/configuration.md). */
export function configReferenceOf(run: PilotRun): string {
  const sources = run.registry.entries.flatMap((e) => {
    const parse = e.descriptor.options;
    return parse ? [{ plugin: e.descriptor.name, contract: contractName(e.descriptor.provides), parse }] : [];
  });
  return renderConfigReference(buildConfigReference(sources, PLUGIN_OPTION_DOCS));
}
