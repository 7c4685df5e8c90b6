import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, PandaClient, describeValue, isPlainObject, newChannelName, parseJobDefinition, planJob, readJsonFile, recoverJobs, runPilotLoop, type PilotRun } from '../../core/index.js';
import { cliLayer, openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

interface RunFlags extends ConfigFlags {
  server?: string;
  site?: string;
  maxJobs?: string;
  lifetime?: string;
  timeLimit?: string;
  dryRun?: boolean;
  jobFile?: string;
  workdir?: string;
  heartbeat?: string;
  prodSourceLabel?: string;
  recover?: boolean;
  keepWorkdir?: boolean;
}

/** The pilot's lifetime counts from the process start, not from the end of the recovery. */
const PILOT_STARTED_AT = Date.now() - Math.round(process.uptime() * 1000);

/** `espilot run`: take jobs from a PanDA server and see them through. */
export function registerRunCommand(program: Command): void {
  withConfigOptions(program.command('run').description('get jobs from a PanDA server and run them (Event Service, merge and normal jobs)'))
    .option('-s, --server <url>', 'PanDA server base URL (https://host:25443); default PANDA_SERVER_URL or config.server.url')
    .option('--site <name>', 'siteName for getJob (default: the queue name)')
    .option('--max-jobs <n>', 'run up to n jobs, then stop', '1')
    .option('-l, --lifetime <seconds>', 'the pilot\'s time limit (pilot3 --lifetime): no new job when too little is left, the running job drained before it (config.lifetime.limitS, default 324000)')
    .option('--time-limit <seconds>', 'alias of --lifetime')
    .option('--workdir <dir>', 'work directory (pilot and job directories, recovery)')
    .option('--heartbeat <seconds>', 'updateJob heartbeat interval (default 1800)')
    .option('--prod-source-label <label>', 'prodSourceLabel for getJob', 'managed')
    .option('--keep-workdir', 'keep each job directory when the job is done (config.keepWorkdir); by default a job that is done is reduced to its report')
    .option('--no-recover', 'do not finish jobs that dead pilots left in the work directory')
    .option('--dry-run', 'with --job-file: print the job, the plugins chosen for every step and the payload command; run nothing')
    .option('--job-file <file>', 'with --dry-run: the job, a saved getJob reply (JSON)')
    .action(async (flags: RunFlags) => {
      // Asking the server would dispatch a real job to a pilot that then never runs it.
      if (flags.dryRun && !flags.jobFile) throw usage('--dry-run', 'needs --job-file <getJob reply.json>: a dry run never takes a job from the server, which would count it as dispatched');
      if (flags.jobFile && !flags.dryRun) throw usage('--job-file', 'only with --dry-run: a run takes its jobs from the server');
      const run = await openRun({ ...flags, cliExtra: cliOverrides(flags) } as ConfigFlags);
      try {
        process.exitCode = flags.dryRun ? await dryRun(run, flags) : await realRun(run, flags);
      } finally {
        await run.dispose();
      }
    });
}

function cliOverrides(flags: RunFlags): Record<string, unknown> {
  const pilot: Record<string, unknown> = cliLayer(flags).pilot;
  const server: Record<string, unknown> = {};
  if (flags.server) server['url'] = flags.server;
  if (Object.keys(server).length) pilot['server'] = server;
  if (flags.workdir) pilot['workdir'] = flags.workdir;
  if (flags.heartbeat) pilot['heartbeatS'] = flags.heartbeat;
  if (flags.keepWorkdir) pilot['keepWorkdir'] = true;
  const lifetime = lifetimeFlag(flags);
  if (lifetime !== undefined) pilot['lifetime'] = { ...(pilot['lifetime'] as Record<string, unknown> | undefined), limitS: lifetime };
  return pilot;
}

/** `--lifetime` and its alias `--time-limit` (the older name): one value, in seconds. */
function lifetimeFlag(flags: RunFlags): number | undefined {
  const lifetime = positiveInt(flags.lifetime, '--lifetime');
  const alias = positiveInt(flags.timeLimit, '--time-limit');
  if (lifetime !== undefined && alias !== undefined && lifetime !== alias) throw usage('--time-limit', `is an alias of --lifetime; both given with different values (${lifetime} and ${alias})`);
  return lifetime ?? alias;
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw usage(flag, `expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

/** A mistake in the flags (printed plainly by main, no pilot error code). */
function usage(flag: string, message: string): ConfigError {
  return new ConfigError([{ path: flag, expected: 'a valid use of the flag', got: 'see message', message }], undefined, 'run');
}

async function realRun(run: PilotRun, flags: RunFlags): Promise<number> {
  const api = PandaClient.fromRun(run);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    if (flags.recover !== false) {
      for (const r of await recoverJobs(run, api, run.settings.pilot.workdir)) {
        if (r.action === 'recovered' || r.action === 'final-update') out(`recovered job ${r.pandaId}: ${r.outcome?.state} (final update ${r.finalUpdateSent ? 'sent' : 'pending'})`);
      }
    }
    const result = await runPilotLoop({
      run, api,
      request: { siteName: flags.site ?? run.settings.queue.name, computingElement: run.settings.queue.name, node: hostname(), prodSourceLabel: flags.prodSourceLabel ?? 'managed' },
      maxJobs: positiveInt(flags.maxJobs, '--max-jobs') ?? 1,
      startedAt: PILOT_STARTED_AT,
    });
    for (const r of result.rejected) out(`job ${r.pandaId}: rejected (${r.code}: ${r.diagnostic})`);
    for (const j of result.jobs) {
      out(`job ${j.pandaId}: ${j.outcome.state}${j.outcome.pilotErrorCode ? ` (${j.outcome.pilotErrorCode}: ${j.outcome.pilotErrorDiag})` : ''}, nEvents ${j.outcome.nEvents}, workdir ${j.jobDir}${j.report ? `, report ${j.report.htmlPath}` : ''}${j.finalUpdateSent ? '' : ', final update pending (recover later)'}`);
    }
    if (result.ended === 'no-job' && result.jobs.length === 0) out('no job available from the server');
    return result.jobs.every((j) => j.finalUpdateSent) ? 0 : 1;
  } finally {
    api.close();
  }
}

async function dryRun(run: PilotRun, flags: RunFlags): Promise<number> {
  const doc = readJsonFile(flags.jobFile!, '--job-file');
  if (!isPlainObject(doc)) throw usage('--job-file', `expected a getJob reply (a JSON object), got ${describeValue(doc)} in ${flags.jobFile!}`);
  const job = parseJobDefinition(doc);
  const scratch = await mkdtemp(join(tmpdir(), 'espilot-dryrun-'));
  try {
    const steps = await planJob(run, job, scratch, newChannelName());
    const w = Math.max(...steps.map((s) => s.step.length));
    for (const s of steps) {
      const [first, ...rest] = s.detail.split('\n');
      process.stdout.write(`${s.step.padEnd(w)}  ${first}\n`);
      for (const line of rest) process.stdout.write(`${' '.repeat(w)}  ${line}\n`);
    }
    return steps.some((s) => s.detail.startsWith('ERROR')) ? 2 : 0;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
