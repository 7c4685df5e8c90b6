/**
 * The job monitors against real misbehaving payloads (no mocked /proc): a payload that
 * allocates past its memory limit, one that stops writing, both ignoring SIGTERM; a
 * well-behaved one never touched; the server's `debug` command. Real dispatcher on
 * loopback, real PanDA client, normal RunJob, mover-local.
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobControlSource, PandaClient, adler32, formatAdler32, jobUpdateForm, runPilotLoop, type JobUpdate } from '../../../core/index.js';
import { startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';

const INPUT = Buffer.from('event data\n'.repeat(100));
const NODE = process.execPath;

/** Short intervals from configuration: the monitors' own timing, not the test's. */
const MONITORS = { resourceIntervalS: 0.2, loopingCheckS: 0.2, loopingLimitS: 2, debugHeartbeatS: 0.2 };

/** Allocates `MB` megabytes (every page touched) in steps, ignores SIGTERM, never ends. */
const ALLOCATOR = `process.on('SIGTERM', () => {});
const keep = [];
const mb = Number(process.argv[2]);
const step = () => { if (keep.length < mb) { keep.push(Buffer.alloc(1 << 20, 1)); setImmediate(step); } };
step();
setInterval(() => {}, 1000);
`;

/** Says it started, then does nothing for ever, ignoring SIGTERM. */
const SILENT = `process.on('SIGTERM', () => {});
console.log('started');
setInterval(() => {}, 1000);
`;

/** Prints a marker every ~100 ms while it burns `S` seconds of CPU, then writes its output. */
const WELL_BEHAVED = `const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };
const want = Number(process.argv[2]);
let n = 0;
const tick = () => {
  const stop = Date.now() + 100;
  while (Date.now() < stop && cpu() < want) n++;
  console.log('marker-line ' + n);
  if (cpu() < want) setTimeout(tick, 20);
  else require('fs').writeFileSync('HITS.7001._000001.pool.root.1', 'done');
};
tick();
`;

function normalTask(jobPars: string) {
  return {
    taskId: 7001, eventService: false, coreCount: 1, maxAttempts: 1, scope: 'test', firstPandaId: 7001001,
    inputFiles: [{ lfn: 'EVNT.7001._000001.pool.root.1', guid: 'A1B2C3D4-0000-0000-0000-000000000001', events: 10, size: INPUT.length, checksum: `ad:${formatAdler32(adler32(INPUT))}` }],
    output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1', log: 'log.{taskId}._{pandaId}.job.log.tgz' },
    payload: { transformation: '/bin/sh', jobPars },
  };
}

async function setup(t: import('ava').ExecutionContext, script: string, jobPars: (scriptPath: string) => string, queuedata: Record<string, unknown> = {}, pilot: Record<string, unknown> = {}) {
  const site = await localSite();
  await writeFile(join(site.seDir, 'EVNT.7001._000001.pool.root.1'), INPUT);
  const scriptPath = join(site.root, 'payload-script.cjs');
  await writeFile(scriptPath, script);
  const dispatcher = await startDispatcher({ task: normalTask(jobPars(scriptPath)) });
  const run = await makeRun({
    extraLayers: [site.layer({
      server: { url: dispatcher.url, retries: 2, backoffBaseMs: 10, backoffMaxMs: 50, requestTimeoutMs: 5000 },
      eventService: { killGraceS: 1 }, monitors: MONITORS, heartbeatS: 1, ...pilot,
    }, queuedata)],
  });
  const api = PandaClient.fromRun(run);
  // Every updateJob as the form the client puts on the wire.
  const forms: Array<Record<string, unknown>> = [];
  const send = api.updateJob.bind(api);
  api.updateJob = (u: JobUpdate) => { forms.push(jobUpdateForm(u)); return send(u); };
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  return { site, dispatcher, run, api, forms, scriptPath };
}

/** Live processes whose command line names `path`. */
function processesRunning(path: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3))) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(path)) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

const MEMORY_FIELDS = ['maxRSS', 'maxPSS', 'maxVMEM', 'maxSWAP', 'avgRSS', 'avgPSS', 'avgVMEM', 'avgSWAP', 'totRCHAR', 'totWCHAR', 'totRBYTES', 'totWBYTES', 'rateRCHAR', 'rateWCHAR', 'rateRBYTES', 'rateWBYTES'];

test.serial('a payload over its memory limit (PSS > 2 × maxrss per core) ignoring SIGTERM is killed: failed with 1235', async (t) => {
  // maxrss 60 MB for the queue's 2 cores, job 1 core: limit 2 × 30 MB = 60 MB PSS; the payload wants 400 MB.
  const { run, api, forms, scriptPath } = await setup(t, ALLOCATOR, (p) => `-c 'trap "" TERM; ${NODE} ${p} 400; echo never'`, { maxrss: 60 });
  const started = Date.now();
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  const out = result.jobs[0]!.outcome;
  t.is(out.state, 'failed');
  t.is(out.pilotErrorCode, 1235, out.pilotErrorDiag);
  t.regex(out.pilotErrorDiag, /exceeded the memory limit: PSS \d+ kB > 61440 kB/);
  t.true(Date.now() - started < 60_000);
  t.deepEqual(processesRunning(scriptPath), [], 'the whole group is gone (SIGKILL after the grace)');
  const final = forms.find((f) => f['state'] === 'failed')!;
  t.is(final['pilotErrorCode'], 1235);
  t.true(Number(final['maxPSS']) > 61440, `final maxPSS ${final['maxPSS']}`);
  t.true(run.lines.some((l) => /exceeded the memory limit.*killing the payload/.test(l)));
});

test.serial('a payload that stops writing (and ignores SIGTERM) is killed as looping: failed with 1150', async (t) => {
  const { run, api, scriptPath, forms } = await setup(t, SILENT, (p) => `-c 'trap "" TERM; ${NODE} ${p}'`);
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  const out = result.jobs[0]!.outcome;
  t.is(out.state, 'failed');
  t.is(out.pilotErrorCode, 1150, out.pilotErrorDiag);
  t.regex(out.pilotErrorDiag, /looping: no file in the work directory was touched for \d+ s \(limit 2 s\)/);
  t.deepEqual(processesRunning(scriptPath), []);
  t.is(forms.find((f) => f['state'] === 'failed')?.['pilotErrorCode'], 1150);
});

test.serial('a well-behaved payload with every monitor on is never touched; heartbeats and the final update carry the memory fields and CPU time', async (t) => {
  // Limit 2 × 2000 MB: far above a node process; writes every 120 ms, well inside the 2 s looping limit.
  const { run, api, forms } = await setup(t, WELL_BEHAVED, (p) => `-c '${NODE} ${p} 1.5'`, { maxrss: 4000, maxvmem: 1_000_000 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  const job = result.jobs[0]!;
  t.is(job.outcome.state, 'finished', job.outcome.pilotErrorDiag);
  t.true(job.outcome.cpuConsumptionTime >= 1, `cpu ${job.outcome.cpuConsumptionTime}`);
  const running = forms.filter((f) => f['state'] === 'running' && f['maxPSS'] !== undefined);
  t.true(running.length >= 1, 'a heartbeat carried the memory fields');
  const final = forms.find((f) => f['state'] === 'finished')!;
  for (const k of MEMORY_FIELDS) t.true(Number.isInteger(final[k]), `${k} = ${final[k]}`);
  t.true(Number(final['maxPSS']) > 1000 && Number(final['maxRSS']) >= Number(final['maxPSS']));
  t.true(Number(final['cpuConsumptionTime']) >= 1);
  t.regex(String(final['jobMetrics']), /actualCoreCount=\d/);
  const series = await readFile(join(job.jobDir, 'memory_monitor_output.txt'), 'utf8');
  const rows = series.trim().split('\n');
  t.is(rows[0], 'Time\tnprocs\tnthreads\tpss\trchar\tread_bytes\trss\tstime\tswap\tutime\tvmem\twchar\twrite_bytes\twtime');
  t.true(rows.length >= 5, `${rows.length - 1} samples`);
  t.false(run.lines.some((l) => /killing the payload|still running after the payload ended/.test(l)));
  const report = JSON.parse(await readFile(join(job.jobDir, 'job-report.json'), 'utf8'));
  t.is(report.outcome.resources.fields.maxPSS, final['maxPSS']);
  t.regex(await readFile(join(job.jobDir, 'timeline.html'), 'utf8'), /<h2>Resources of the payload's process tree<\/h2>/);
});

test.serial('the server\'s debug command: heartbeats come every debugHeartbeatS and carry the tail of the payload\'s stdout', async (t) => {
  const { run, api, forms, dispatcher } = await setup(t, WELL_BEHAVED, (p) => `-c '${NODE} ${p} 2'`, {}, { heartbeatS: 3600 });
  const control = new JobControlSource();
  const loop = runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false, control });
  // Once the pilot's first `running` update arrived (the payload starts right after it).
  while (!dispatcher.snapshot().jobUpdates.some((u) => u.state === 'running')) await new Promise((r) => setTimeout(r, 50));
  const pandaId = dispatcher.snapshot().jobUpdates[0]!.pandaId;
  dispatcher.command(pandaId, 'debug');
  // The first `running` update went before the command; the hour-long interval would never send another: ask once.
  control.applyServerCommands(await api.updateJob({ pandaId, state: 'running' }), run.logger);
  const result = await loop;
  t.is(result.jobs[0]!.outcome.state, 'finished', result.jobs[0]!.outcome.pilotErrorDiag);
  const debugBeats = forms.filter((f) => f['state'] === 'running' && typeof f['stdout'] === 'string');
  t.true(debugBeats.length >= 3, `${debugBeats.length} debug heartbeats while the payload ran`);
  const tail = String(debugBeats.at(-1)!['stdout']);
  t.regex(tail, /payload\.stdout\n(marker-line \d+\n?){1,10}$/);
  t.true(tail.length <= 2048);
});
