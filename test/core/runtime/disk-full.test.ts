/**
 * Disk full is a pilot error, never a crash (issue 13). The job directories live on a real
 * 5 MiB tmpfs (test/helpers/tiny-disk.ts); the storage element and the embedded dispatcher
 * are on the normal disk. Before, a full work disk ended the pilot with `internal error:
 * ENOSPC` and a stack, the job left `running` on the server.
 */
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, PandaClient, runPilotLoop } from '../../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';
import { tinyDisk, type TinyDisk } from '../../helpers/tiny-disk.js';

const INPUT = Buffer.from('event data\n'.repeat(100));

function normalTask(jobPars: string, job: Record<string, string> = {}) {
  return {
    taskId: 8801, eventService: false, coreCount: 1, maxAttempts: 1, scope: 'test', firstPandaId: 8801001,
    inputFiles: [{ lfn: 'EVNT.8801._000001.pool.root.1', guid: 'A1B2C3D4-0000-0000-0000-000000008801', events: 10, size: INPUT.length }],
    output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1', log: 'log.{taskId}._{pandaId}.job.log.tgz' },
    payload: { transformation: '/bin/sh', jobPars },
    job,
  };
}

async function setup(t: import('ava').ExecutionContext, o: { jobPars: string; job?: Record<string, string>; disk: Record<string, unknown>; queuedata?: Record<string, unknown> }) {
  const disk = await tinyDisk(5);
  t.teardown(() => disk.unmount());
  const site = await localSite();
  await writeFile(join(site.seDir, 'EVNT.8801._000001.pool.root.1'), INPUT);
  const dispatcher = await startDispatcher({ task: normalTask(o.jobPars, o.job) });
  const run = await makeRun({
    extraLayers: [site.layer({
      workdir: disk.path, disk: o.disk, eventService: { killGraceS: 1 },
      server: { url: dispatcher.url, retries: 1, backoffBaseMs: 10, backoffMaxMs: 50, requestTimeoutMs: 5000 },
    }, o.queuedata)],
    env: { PATH: process.env['PATH'] },
  });
  const api = PandaClient.fromRun(run);
  // Registered after the unmount: ava runs teardowns last-in first-out.
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  return { disk, site, dispatcher, run, api };
}

function finals(d: DispatcherHandle, pandaId: string) {
  return d.snapshot().jobUpdates.filter((u) => u.pandaId === pandaId && ['finished', 'failed', 'holding', 'transferring'].includes(u.state) && u.outcome === 'applied');
}

/** No line of the pilot's log carries a stack trace. */
function noStack(t: import('ava').ExecutionContext, lines: readonly string[]): void {
  const stacked = lines.filter((l) => /\n\s+at |internal error/.test(l));
  t.deepEqual(stacked, [], 'a full disk is reported, not dumped');
}

test.serial('before the job: a work disk with less free space than disk.freeSpaceLimitMB refuses the job with NOLOCALSPACE, the payload never runs', async (t) => {
  const { dispatcher, run, api } = await setup(t, { jobPars: `-c 'touch payload-ran'`, disk: {} });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const job = result.jobs[0]!;
  t.like(job.outcome, { state: 'failed', pilotErrorCode: ErrorCodes.NOLOCALSPACE });
  t.regex(job.outcome.pilotErrorDiag, /too little space left on local disk to run job: \d+ B free on .*PandaJob_\d+ \(need > 2147483648 B\)/);
  t.true(job.finalUpdateSent);
  const f = finals(dispatcher, job.pandaId);
  t.deepEqual(f.map((u) => [u.state, u.pilotErrorCode]), [['failed', ErrorCodes.NOLOCALSPACE]]);
  t.false(dispatcher.snapshot().jobUpdates.some((u) => u.pandaId === job.pandaId && u.state === 'running'), 'never reported running');
  await t.throwsAsync(readFile(join(job.jobDir, 'payload-ran')), { code: 'ENOENT' });
  noStack(t, run.lines);
});

test.serial('before the job: a maxDiskCount above the free space refuses the job with NOLOCALSPACE', async (t) => {
  const { dispatcher, run, api } = await setup(t, { jobPars: `-c 'touch payload-ran'`, job: { maxDiskCount: '20' }, disk: { freeSpaceLimitMB: 1 } });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const job = result.jobs[0]!;
  t.like(job.outcome, { state: 'failed', pilotErrorCode: ErrorCodes.NOLOCALSPACE });
  t.regex(job.outcome.pilotErrorDiag, /maxDiskCount 20 MB/);
  t.deepEqual(finals(dispatcher, job.pandaId).map((u) => [u.state, u.pilotErrorCode]), [['failed', ErrorCodes.NOLOCALSPACE]]);
  await t.throwsAsync(readFile(join(job.jobDir, 'payload-ran')), { code: 'ENOENT' });
});

test.serial('while running: the payload fills the work disk below disk.freeSpaceLimitRunningMB, the disk check stops it with NOLOCALSPACE', async (t) => {
  const { dispatcher, run, api } = await setup(t, {
    jobPars: `-c 'head -c 4500000 /dev/zero > big.dat; sleep 120'`,
    disk: { freeSpaceLimitMB: 1, freeSpaceLimitRunningMB: 1, checkIntervalS: 0.1 },
  });
  const t0 = Date.now();
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const job = result.jobs[0]!;
  t.like(job.outcome, { state: 'failed', pilotErrorCode: ErrorCodes.NOLOCALSPACE });
  t.regex(job.outcome.pilotErrorDiag, /too little space left on local disk to continue the job/);
  t.true(Date.now() - t0 < 60_000, 'the payload was stopped, not waited for');
  t.deepEqual(finals(dispatcher, job.pandaId).map((u) => [u.state, u.pilotErrorCode]), [['failed', ErrorCodes.NOLOCALSPACE]]);
  noStack(t, run.lines);
});

test.serial('while running: a job directory above queuedata maxwdir (+20%) is stopped with USERDIRTOOLARGE', async (t) => {
  // maxwdir 2 MB → limit 2.4 MiB for this single-core job on a single-core queue.
  const { dispatcher, run, api } = await setup(t, {
    jobPars: `-c 'head -c 3000000 /dev/zero > big.dat; sleep 120'`,
    disk: { freeSpaceLimitMB: 1, freeSpaceLimitRunningMB: 0, checkIntervalS: 0.1 },
    queuedata: { maxwdir: 2, corecount: 1 },
  });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const job = result.jobs[0]!;
  t.like(job.outcome, { state: 'failed', pilotErrorCode: ErrorCodes.USERDIRTOOLARGE });
  t.regex(job.outcome.pilotErrorDiag, /work directory \(.*PandaJob_\d+\) is too large: \d+ B \(must be < 2516582 B\)/);
  t.deepEqual(finals(dispatcher, job.pandaId).map((u) => [u.state, u.pilotErrorCode]), [['failed', ErrorCodes.USERDIRTOOLARGE]]);
});

test.serial('the disk fills up completely under the job: every later write fails ENOSPC, the job fails with NOLOCALSPACE and its final update is sent from memory', async (t) => {
  // No disk check during the job (one hour apart): the pilot meets the full disk in its own writes.
  const { disk, dispatcher, run, api } = await setup(t, {
    jobPars: `-c 'head -c 8000000 /dev/zero > big.dat; exit 0'`,
    disk: { freeSpaceLimitMB: 1, checkIntervalS: 3600 },
  });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  t.is(await disk.free(), 0, 'the disk is full');
  const job = result.jobs[0]!;
  t.like(job.outcome, { state: 'failed', pilotErrorCode: ErrorCodes.NOLOCALSPACE });
  t.regex(job.outcome.pilotErrorDiag, /no space left on device \(ENOSPC\) writing/);
  t.true(job.finalUpdateSent);
  t.deepEqual(finals(dispatcher, job.pandaId).map((u) => [u.state, u.pilotErrorCode]), [['failed', ErrorCodes.NOLOCALSPACE]]);
  // The state file could not take the outcome: the update went out from memory.
  const onDisk = JSON.parse(await readFile(join(job.jobDir, `jobState-${job.pandaId}.json`), 'utf8')) as { phase: string; finalUpdate: string };
  t.deepEqual([onDisk.phase, onDisk.finalUpdate], ['running', 'none']);
  t.true(run.lines.some((l) => /the outcome is not in the state file \(NOLOCALSPACE \(1098\)/.test(l)));
  t.is(job.report, undefined, 'no report on a full disk');
  noStack(t, run.lines);
});
