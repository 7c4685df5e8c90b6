import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeValue, getJobRequest, isPlainObject, newChannelName, parseJobDefinition, planJob, readJsonFile, recoverJobs, runPilotLoop, type PilotRun } from '../../core/index.js';
import { cliLayer, openRun, withConfigOptions, type ConfigFlags } from './common-options.js';
import { harvesterLayer, pandaApiFor, withHarvesterOptions, type HarvesterFlags } from './harvester-options.js';
import { PilotLogFile } from './pilot-log-file.js';
import { checkPilot3Flags, jobLabelOf, serverUrlOf, usage, withPilot3Options, type Pilot3Flags } from './pilot3-options.js';

interface RunFlags extends ConfigFlags, Pilot3Flags, HarvesterFlags {
  server?: string;
  maxJobs?: string;
  lifetime?: string;
  timeLimit?: string;
  dryRun?: boolean;
  jobFile?: string;
  heartbeat?: string;
  recover?: boolean;
  keepWorkdir?: boolean;
}

/** The pilot's lifetime counts from the process start, not from the end of the recovery. */
const PILOT_STARTED_AT = Date.now() - Math.round(process.uptime() * 1000);

/** `espilot run`: take jobs from a PanDA server and see them through. */
export function registerRunCommand(program: Command): void {
  withHarvesterOptions(withPilot3Options(withConfigOptions(program.command('run').description('get jobs from a PanDA server and run them (Event Service, merge and normal jobs)'))))
    .option('--server <url>', 'PanDA server base URL (https://host:25443); default PANDA_SERVER_URL or config.server.url (pilot3: --url)')
    .option('--max-jobs <n>', 'run up to n jobs, then stop (default: 1, or as many as the queue\'s timefloor allows)')
    .option('-l, --lifetime <seconds>', 'the pilot\'s time limit (pilot3 --lifetime): no new job when too little is left, the running job drained before it (config.lifetime.limitS, default 324000)')
    .option('--time-limit <seconds>', 'alias of --lifetime')
    .option('--heartbeat <seconds>', 'updateJob heartbeat interval (default 1800)')
    .option('--keep-workdir', 'keep each job directory when the job is done (config.keepWorkdir); by default a job that is done is reduced to its report')
    .option('--no-recover', 'do not finish jobs that dead pilots left in the work directory')
    .option('--dry-run', 'with --job-file: print the job, the plugins chosen for every step and the payload command; run nothing')
    .option('--job-file <file>', 'with --dry-run: the job, a saved getJob reply (JSON)')
    .action(async (flags: RunFlags) => {
      // Asking the server would dispatch a real job to a pilot that then never runs it.
      if (flags.dryRun && !flags.jobFile) throw usage('--dry-run', 'needs --job-file <getJob reply.json>: a dry run never takes a job from the server, which would count it as dispatched');
      if (flags.jobFile && !flags.dryRun) throw usage('--job-file', 'only with --dry-run: a run takes its jobs from the server');
      checkPilot3Flags(flags, flags.harvesterSubmitMode?.toUpperCase() === 'PUSH');
      const workdir = workdirOf(flags);
      const log = new PilotLogFile();
      const run = await openRun({ ...flags, cliExtra: cliOverrides(flags), ...(workdir ? { cacheDir: workdir } : {}), logSink: log.sink } as ConfigFlags);
      try {
        if (!flags.dryRun && flags.pilotLog !== false) log.open(run.settings.pilot.workdir);
        process.exitCode = flags.dryRun ? await dryRun(run, flags) : await realRun(run, flags);
      } finally {
        await run.dispose();
        await log.close();
      }
    });
}

/** `-a/--workdir`, else PILOT_HOME (pilot3 sets it to its work directory; wrappers pass it on), else the configuration's. */
function workdirOf(flags: RunFlags): string | undefined {
  return flags.workdir ?? (process.env['PILOT_HOME'] || undefined);
}

function cliOverrides(flags: RunFlags): Record<string, unknown> {
  const pilot: Record<string, unknown> = cliLayer(flags).pilot;
  const server: Record<string, unknown> = {};
  const url = serverUrlOf(flags);
  if (url && flags.server && url !== flags.server.replace(/\/$/, '')) throw usage('--url', `and --server name different servers (${url} and ${flags.server})`);
  if (url ?? flags.server) server['url'] = url ?? flags.server;
  if (Object.keys(server).length) pilot['server'] = server;
  const workdir = workdirOf(flags);
  if (workdir) pilot['workdir'] = workdir;
  if (flags.pilotUser) pilot['experiment'] = flags.pilotUser;
  if (flags.heartbeat) pilot['heartbeatS'] = flags.heartbeat;
  if (flags.keepWorkdir) pilot['keepWorkdir'] = true;
  const lifetime = lifetimeFlag(flags);
  if (lifetime !== undefined) pilot['lifetime'] = { ...(pilot['lifetime'] as Record<string, unknown> | undefined), limitS: lifetime };
  const harvester = harvesterLayer(flags);
  if (harvester) pilot['pluginOptions'] = { harvester };
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


async function realRun(run: PilotRun, flags: RunFlags): Promise<number> {
  const { api, close } = pandaApiFor(run);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    if (flags.recover !== false) {
      for (const r of await recoverJobs(run, api, run.settings.pilot.workdir)) {
        if (r.action === 'recovered' || r.action === 'final-update') out(`recovered job ${r.pandaId}: ${r.outcome?.state} (final update ${r.finalUpdateSent ? 'sent' : 'pending'})`);
      }
    }
    const { queue } = run.settings;
    const request = getJobRequest({
      siteName: flags.site ?? queue.name, queue: queue.name, prodSourceLabel: jobLabelOf(flags), workdir: run.settings.pilot.workdir,
      ...(queue.maxWorkdirMB ? { maxWorkdirMB: queue.maxWorkdirMB } : {}),
      ...(flags.resourceType ? { resourceType: flags.resourceType } : {}),
      ...(flags.jobType ? { jobType: flags.jobType } : {}),
      ...(flags.workingGroup ? { workingGroup: flags.workingGroup } : {}),
    });
    // pilot3 multi-job mode: with a timefloor, jobs follow one another until it has passed; --max-jobs caps them.
    const maxJobs = positiveInt(flags.maxJobs, '--max-jobs') ?? (queue.timefloorS > 0 ? Number.POSITIVE_INFINITY : 1);
    const result = await runPilotLoop({
      run, api, request, maxJobs, startedAt: PILOT_STARTED_AT,
      ...(queue.timefloorS > 0 ? { timefloorS: queue.timefloorS } : {}),
    });
    for (const r of result.rejected) out(`job ${r.pandaId}: rejected (${r.code}: ${r.diagnostic})`);
    for (const j of result.jobs) {
      out(`job ${j.pandaId}: ${j.outcome.state}${j.outcome.pilotErrorCode ? ` (${j.outcome.pilotErrorCode}: ${j.outcome.pilotErrorDiag})` : ''}, nEvents ${j.outcome.nEvents}, workdir ${j.jobDir}${j.report ? `, report ${j.report.htmlPath}` : ''}${j.finalUpdateSent ? '' : ', final update pending (recover later)'}`);
    }
    if (result.ended === 'no-job' && result.jobs.length === 0) out('no job available from the server');
    return result.jobs.every((j) => j.finalUpdateSent) ? 0 : 1;
  } finally {
    close();
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
