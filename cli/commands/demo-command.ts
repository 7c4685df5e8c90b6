import type { Command } from 'commander';
import { parseDemoFlags, type DemoFlags } from '../demo/demo-options.js';
import { runDemo } from '../demo/run-demo.js';

/**
 * `espilot demo` (what `npm start` runs): an Event Service job and its merge job, end to end
 * on this machine. Exit 0 only when the merged output verified; 1 when it did not; 2 for
 * bad flags or configuration.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a complete Event Service job and its merge job on this machine (embedded PanDA dispatcher, local storage) and verify the merged output')
    .option('--events <n>', 'events per input file (2 files, one event per range)', '50')
    .option('--workers <n>', 'simulated AthenaMP workers (the job\'s cores)', '4')
    .option('--error-rate <p>', 'probability that the payload fails a range; failed ranges are retried in new ES jobs', '0')
    .option('--seed <n>', 'payload simulator seed (which ranges fail)', '1')
    .option('--max-attempts <n>', 'attempts per range before the task fails', '10')
    .option('--workdir <dir>', 'work directory, new or empty (default ./espilot-demo/<timestamp>)')
    .option('--keep-workdir', 'keep the job directories (inputs, outputs, journal) when the jobs are done; by default each is reduced to its report')
    .option('--objectstore <url>', 'ES outputs to this object store (s3://host:port/bucket, root://host//path) instead of a local folder; movers and credentials via --config')
    .option('-c, --config <site.json>', 'site configuration: plugins, plugin options, queuedata overrides')
    .option('--keys <dir>', 'key files the embedded dispatcher serves through getKeyPair (for S3 keys named in the site file\'s ddmendpoints)')
    .option('--log-level <level>', 'log lines shown on stderr: silent, error, warn, info, debug, trace (the log file gets info or more)', 'warn')
    .option('--log-format <format>', 'text or json', 'text')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (flags: DemoFlags) => {
      const summary = await runDemo(parseDemoFlags(flags), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
      process.exitCode = summary.ok ? 0 : 1;
    });
}
