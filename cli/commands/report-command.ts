import type { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CREDENTIAL_ENV, ConfigError, JOB_STATE_PREFIX, SecretRegistry, findJobStates, writeJobReport } from '../../core/index.js';

/**
 * `espilot report <dir>`: rebuilds `job-report.json` and `timeline.html` from the records a
 * job left (state file, range journal, transfer records), for one job directory or every
 * job directory under a work directory (a demo's, a pilot's).
 */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('rebuild job-report.json and timeline.html of a job directory, or of every job under a work directory')
    .argument('<dir>', 'a job directory (PandaJob_<id>) or a work directory holding job directories')
    .action(async (dir: string) => {
      const jobDirs = await jobDirsUnder(resolve(dir));
      const secrets = new SecretRegistry();
      // Nothing secret is journaled, but a credential that reached a diagnostic must not reach a report.
      for (const name of CREDENTIAL_ENV) secrets.register(process.env[name]);
      for (const jobDir of jobDirs) {
        const { report, htmlPath } = await writeJobReport(jobDir, { mask: (t) => secrets.mask(t) });
        const r = report.ranges;
        process.stdout.write(`job ${report.job.pandaId} (${report.job.kind}) ${report.state}${r ? `, ${r.finished}/${r.total} ranges finished` : ''}: ${htmlPath}\n`);
      }
    });
}

/** @throws ConfigError when `dir` holds no job (neither is one nor contains one). */
async function jobDirsUnder(dir: string): Promise<string[]> {
  const own = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError([{ path: '<dir>', expected: 'a readable directory', got: `${dir}: ${err.code ?? err.message}` }], undefined, 'report');
  });
  if (own.some((n) => n.startsWith(JOB_STATE_PREFIX) && n.endsWith('.json'))) return [dir];
  const found = [...new Set((await findJobStates(dir)).map((p) => dirname(p)))];
  if (found.length === 0) throw new ConfigError([{ path: '<dir>', expected: `a job directory or a directory holding job directories (with ${JOB_STATE_PREFIX}<PandaID>.json)`, got: JSON.stringify(dir) }], undefined, 'report');
  return found;
}
