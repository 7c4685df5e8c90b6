import type { Command } from 'commander';
import { ConfigError, PilotError, describeQueueDestinations, formatIssue, preflight, queueDestinations } from '../../core/index.js';
import { openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

/**
 * `espilot check`: resolve every name the configuration refers to and report every problem
 * at once, then the storages and movers each activity uses. Exit 0 when clean or with
 * warnings only, 2 otherwise.
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
        const found = preflight(run.settings, run.registry, run.resolver);
        const problems = found.filter((p) => p.severity === 'error');
        const warnings = found.filter((p) => p.severity === 'warning');
        if (warnings.length) process.stdout.write(`${warnings.length} warning(s):\n${warnings.map((p) => `  ${p.where}: ${p.message}`).join('\n')}\n`);
        if (problems.length === 0) {
          process.stdout.write(`configuration OK: queue ${run.settings.queue.name}, ${run.registry.entries.length} plugins\n`);
          process.stdout.write(`transfers:\n${describeQueueDestinations(queueDestinations(run.settings, run.registry)).map((l) => `  ${l}`).join('\n')}\n`);
          return;
        }
        process.stdout.write(`${problems.length} problem(s):\n${problems.map((p) => `  ${p.where}: ${p.message}`).join('\n')}\n`);
        process.exitCode = 2;
      } finally {
        await run.dispose();
      }
    });
}
