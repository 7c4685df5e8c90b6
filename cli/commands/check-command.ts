import type { Command } from 'commander';
import { ConfigError, PilotError, describeQueueDestinations, formatIssue, preflight, queueDestinations, type ConfigIssue } from '../../core/index.js';
import { openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

/**
 * `espilot check`: resolve every name the configuration refers to and report every problem
 * at once: bad and unknown keys of the files, then what the plugins find (names, options,
 * destinations) in the settings that did parse, then the storages and movers each activity
 * uses. Exit 0 when clean or with warnings only, 2 otherwise.
 */
export function registerCheckCommand(program: Command): void {
  withConfigOptions(program.command('check').description('check a configuration: every plugin name, option and destination it refers to'))
    .action(async (flags: ConfigFlags) => {
      const issues: ConfigIssue[] = [];
      const report = (lines: readonly string[]) => {
        process.stdout.write(`${lines.length} problem(s):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
        process.exitCode = 2;
      };
      let run;
      try {
        run = await openRun(flags, issues);
      } catch (err) {
        if (!(err instanceof PilotError)) throw err;
        const found = err instanceof ConfigError ? err.issues.map(formatIssue) : [err.message];
        report([...issues.map(formatIssue), ...found]);
        return;
      }
      try {
        // A field that did not parse took its default; what preflight says of that field again is noise.
        const found = preflight(run.settings, run.registry, run.resolver).filter((p) => !issues.some((i) => i.path === p.where));
        const problems = found.filter((p) => p.severity === 'error');
        const warnings = found.filter((p) => p.severity === 'warning');
        if (warnings.length) process.stdout.write(`${warnings.length} warning(s):\n${warnings.map((p) => `  ${p.where}: ${p.message}`).join('\n')}\n`);
        if (issues.length === 0 && problems.length === 0) {
          process.stdout.write(`configuration OK: queue ${run.settings.queue.name}, ${run.registry.entries.length} plugins\n`);
          process.stdout.write(`transfers:\n${describeQueueDestinations(queueDestinations(run.settings, run.registry)).map((l) => `  ${l}`).join('\n')}\n`);
          return;
        }
        report([...issues.map(formatIssue), ...problems.map((p) => `${p.where}: ${p.message}`)]);
      } finally {
        await run.dispose();
      }
    });
}
