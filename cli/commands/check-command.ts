import type { Command } from 'commander';
import { ConfigError, PilotError, formatIssue, preflight } from '../../core/index.js';
import { openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

/**
 * `espilot check`: resolve every name the configuration refers to and report every problem
 * at once. Exit 0 when clean, 2 otherwise.
 */
export function registerCheckCommand(program: Command): void {
  withConfigOptions(program.command('check').description('check a configuration: every plugin name, option and destination it refers to'))
    .action(async (flags: ConfigFlags) => {
      let run;
      try {
        run = await openRun(flags);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stdout.write(`${err.issues.length} problem(s):\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
          process.exitCode = 2;
          return;
        }
        if (err instanceof PilotError) {
          process.stdout.write(`1 problem(s):\n  ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      try {
        const problems = preflight(run.settings, run.registry, run.resolver);
        if (problems.length === 0) {
          process.stdout.write(`configuration OK: queue ${run.settings.queue.name}, ${run.registry.entries.length} plugins\n`);
          return;
        }
        process.stdout.write(`${problems.length} problem(s):\n${problems.map((p) => `  ${p.where}: ${p.message}`).join('\n')}\n`);
        process.exitCode = 2;
      } finally {
        await run.dispose();
      }
    });
}
