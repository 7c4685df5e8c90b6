/**
 * pilot3's Harvester options for `espilot run` (`--harvester-workdir`, `--harvester-datadir`,
 * `--harvester-submit-mode`) and `HARVESTER_WORKDIR` as pilot3 reads it (a place for the job
 * file), put into `pluginOptions.harvester`; and the choice of PandaApi they make: in PUSH
 * mode the `harvester` plugin (Harvester's shared files), else the PanDA server over HTTP.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ConfigError, PandaApi, PandaClient, type PilotRun } from '../../core/index.js';

export interface HarvesterFlags {
  harvesterWorkdir?: string;
  harvesterDatadir?: string;
  harvesterSubmitMode?: string;
}

export function withHarvesterOptions(cmd: Command): Command {
  return cmd
    .option('--harvester-workdir <dir>', 'Harvester\'s access point: its files are read and written here (pilot3 option; default HARVESTER_WORKDIR)')
    .option('--harvester-datadir <dir>', 'where Harvester placed the job file pandaJobData.out (pilot3 option; default the workdir)')
    .option('--harvester-submit-mode <mode>', 'PULL (jobs from the PanDA server) or PUSH (the job, event ranges and all reports through Harvester\'s files)');
}

/**
 * The `pluginOptions.harvester` settings the flags and environment give (relative folders are
 * taken from the current directory). pilot3 reads HARVESTER_ID / HARVESTER_WORKER_ID only to
 * tell push mode together with `--harvester-submit-mode push`, so they select nothing here.
 * @throws ConfigError for a submit mode other than PULL or PUSH.
 */
export function harvesterLayer(flags: HarvesterFlags, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const workdir = flags.harvesterWorkdir ?? env['HARVESTER_WORKDIR'];
  if (workdir) out['workdir'] = resolve(workdir);
  if (flags.harvesterDatadir) out['datadir'] = resolve(flags.harvesterDatadir);
  if (flags.harvesterSubmitMode !== undefined) {
    // pilot3 compares it lower-cased.
    const mode = flags.harvesterSubmitMode.toUpperCase();
    if (mode !== 'PULL' && mode !== 'PUSH') {
      throw new ConfigError([{ path: '--harvester-submit-mode', expected: 'PULL or PUSH', got: JSON.stringify(flags.harvesterSubmitMode) }], undefined, 'run');
    }
    out['submitMode'] = mode;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The run's PandaApi: Harvester's files in PUSH mode (`pluginOptions.harvester.submitMode`), else the server. */
export function pandaApiFor(run: PilotRun): { api: PandaApi; close: () => void } {
  const entry = run.registry.find(PandaApi, 'harvester');
  const options = run.resolver.parseOptions(entry) as { submitMode?: string };
  if (options.submitMode === 'PUSH') return { api: run.resolver.get<PandaApi>(PandaApi, 'harvester'), close: () => undefined };
  const client = PandaClient.fromRun(run);
  return { api: client, close: () => client.close() };
}
