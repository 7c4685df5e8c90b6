#!/usr/bin/env node
/**
 * The `espilot` command. This is the application layer: it composes the core with the
 * built-in plugins; the core itself never imports a plugin.
 */
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { PilotError } from '../core/index.js';
import { registerPluginsCommand } from './commands/plugins-command.js';
import { registerCheckCommand } from './commands/check-command.js';
import { registerConfigCommand } from './commands/config-command.js';
import { registerRunCommand } from './commands/run-command.js';
import { registerRecoverCommand } from './commands/recover-command.js';
import { registerServePandaCommand } from './commands/serve-panda-command.js';
import { registerMoverTestCommand } from './commands/mover-test-command.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerReportCommand } from './commands/report-command.js';

export function buildProgram(): Command {
  const program = new Command('espilot')
    .description('PanDA pilot for Event Service jobs, built from plugins')
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
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
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
