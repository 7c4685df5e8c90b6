import type { Command } from 'commander';
import { contractName } from '../../core/index.js';
import { openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

/** `espilot plugins`: every loaded plugin with its contract, names, schemes and module. */
export function registerPluginsCommand(program: Command): void {
  withConfigOptions(program.command('plugins').description('list the loaded plugins (built-ins and those of --config)'))
    .option('--json', 'machine-readable output')
    .action(async (flags: ConfigFlags & { json?: boolean }) => {
      const run = await openRun(flags);
      try {
        const rows = run.registry.entries.map((e) => ({
          contract: contractName(e.descriptor.provides),
          name: e.descriptor.name,
          aliases: [...(e.descriptor.aliases ?? []), ...(e.descriptor.schemeAliases ?? []).map((a) => `${a} (by scheme)`)],
          schemes: [...(e.descriptor.schemes ?? [])],
          module: e.module,
          description: e.descriptor.description ?? '',
        }));
        rows.sort((a, b) => a.contract.localeCompare(b.contract) || a.name.localeCompare(b.name));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const table = [['CONTRACT', 'NAME', 'ALIASES', 'SCHEMES', 'MODULE'], ...rows.map((r) => [r.contract, r.name, r.aliases.join(', ') || '-', r.schemes.join(', ') || '-', r.module])];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
        for (const row of table) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
      } finally {
        await run.dispose();
      }
    });
}
