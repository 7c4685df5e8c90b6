import type { Command } from 'commander';
import { PandaClient, recoverJobs } from '../../core/index.js';
import { openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

/** `espilot recover`: finish the jobs dead pilots left in a work directory. */
export function registerRecoverCommand(program: Command): void {
  withConfigOptions(program.command('recover').description('finish jobs dead pilots left behind: store produced outputs, send unacknowledged reports and final updates, each once'))
    .requiredOption('-w, --workdir <dir>', 'the pilots\' work directory')
    .option('-s, --server <url>', 'PanDA server base URL')
    .action(async (flags: ConfigFlags & { workdir: string; server?: string }) => {
      const run = await openRun({ ...flags, cliExtra: flags.server ? { server: { url: flags.server } } : {} } as ConfigFlags);
      const api = PandaClient.fromRun(run);
      try {
        const results = await recoverJobs(run, api, flags.workdir);
        if (results.length === 0) process.stdout.write(`no job state found under ${flags.workdir}\n`);
        for (const r of results) {
          process.stdout.write(`job ${r.pandaId}: ${r.action}${r.outcome ? ` → ${r.outcome.state}${r.outcome.pilotErrorCode ? ` (${r.outcome.pilotErrorCode})` : ''}` : ''}${r.finalUpdateSent === false ? ', final update still pending' : ''}\n`);
          // Why a job is left for the next recovery (a full disk names the file it could not write).
          if (r.reason) process.stderr.write(`espilot: job ${r.pandaId} in ${r.jobDir} left for the next recovery: ${r.reason}\n`);
        }
        process.exitCode = results.every((r) => r.action !== 'deferred' && r.finalUpdateSent !== false) ? 0 : 1;
      } finally {
        api.close();
        await run.dispose();
      }
    });
}
