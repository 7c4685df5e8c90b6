#!/usr/bin/env node
/**
 * The `espilot` command. This is the application layer: it composes the core with the
 * built-in plugins; the core itself never imports a plugin.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, DuplicatePluginError, PilotError, PluginLoadError, formatIssue, packageRoot } from '../core/index.js';
import { registerPluginsCommand } from './commands/plugins-command.js';
import { registerCheckCommand } from './commands/check-command.js';
import { registerConfigCommand } from './commands/config-command.js';
import { registerRunCommand } from './commands/run-command.js';
import { registerRecoverCommand } from './commands/recover-command.js';
import { registerServePandaCommand } from './commands/serve-panda-command.js';
import { registerMoverTestCommand } from './commands/mover-test-command.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerReportCommand } from './commands/report-command.js';
import { registerConformanceCommand } from './commands/conformance-command.js';

export function buildProgram(): Command {
  const program = new Command('espilot')
    .description('PanDA pilot for Event Service jobs, built from plugins')
    .version(packageVersion(), '-V, --version', 'print the espilot version')
    .showHelpAfterError()
    .exitOverride();
  registerPluginsCommand(program);
  registerCheckCommand(program);
  registerConfigCommand(program);
  registerRunCommand(program);
  registerRecoverCommand(program);
  registerServePandaCommand(program);
  registerMoverTestCommand(program);
  registerDemoCommand(program);
  registerReportCommand(program);
  registerConformanceCommand(program);
  return program;
}

/** The installed package's version, read where this module is (not built in at compile time). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    // A mistake in flags, paths or files: the user fixes it; a pilot error code would tell them nothing.
    if (err instanceof ConfigError) {
      const lines = err.issues.map(formatIssue);
      process.stderr.write(lines.length === 1 ? `espilot: ${err.message}\n` : `espilot: ${err.title}:\n${lines.map((l) => `  ${l}\n`).join('')}`);
      return 2;
    }
    if (err instanceof PluginLoadError || err instanceof DuplicatePluginError) {
      process.stderr.write(`espilot: ${err.message}\n`);
      return 2;
    }
    if (err instanceof PilotError) {
      process.stderr.write(`espilot: ${err.message} [${err.codeName}]\n`);
      return 2;
    }
    process.stderr.write(`espilot: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

// A closed pipe (`espilot config | head`) is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// Nothing the pilot or its payload creates is group- or world-writable, whatever umask it was
// started with (its own folders are made 0700 and its state files 0600 explicitly).
process.umask(process.umask(0o022) | 0o022);

process.exitCode = await main(process.argv);
