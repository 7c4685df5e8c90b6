/**
 * Disk full under an Event Service job and under `espilot recover` (issue 13), on a real
 * 5 MiB tmpfs (test/helpers/tiny-disk.ts). The range journal is durable-before-acted-on: once
 * an append fails with ENOSPC nothing in it is acted on, the job stops dispatching and ends
 * with NOLOCALSPACE, and its final update still reaches the server.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, JOURNAL_FILE, JobStateStore, readRangeJournal, recoverJobs, runPilotLoop } from '../../../core/index.js';
import { esTask, finalReports } from '../../helpers/es-job-harness.js';
import { localSite } from '../../helpers/local-site.js';
import { loopJob } from '../../helpers/loop-job.js';
import { runCli } from '../../helpers/run-cli.js';
import { sampleJob } from '../../helpers/sample-jobs.js';
import { tinyDisk } from '../../helpers/tiny-disk.js';

test.serial('ES job: the work disk fills up mid-run; journal appends or the payload meet ENOSPC, the job ends NOLOCALSPACE, its final update is received, and no range is reported finished without its journal record', async (t) => {
  // 16 MiB: the job's own files (≈ 8 KiB a range) cannot fill it before the filler does.
  const disk = await tinyDisk(16);
  t.teardown(() => disk.unmount());
  const events = 400;
  const { dispatcher, run, api } = await loopJob(t, {
    task: esTask({ taskId: 8802, files: 1, events, simulatorArgs: '--workers=2 --timePerEventMs=50' }),
    pilot: { workdir: disk.path, disk: { freeSpaceLimitMB: 1, checkIntervalS: 3600 } },
    eventService: { payloadGraceS: 10 },
    runJob: { finalFlushS: 5 },
  });

  // Fill the disk once a few ranges are reported finished: the next journal write meets ENOSPC.
  let filledAt = -1;
  const filler = (async () => {
    while (filledAt < 0) {
      const done = [...finalReports(dispatcher.snapshot()).values()].filter((s) => s.includes('finished')).length;
      if (done >= 5) {
        await disk.fill(0);
        filledAt = done;
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  filledAt = Math.max(filledAt, 0);
  await filler;
  const job = result.jobs[0]!;
  t.is(job.outcome.pilotErrorCode, ErrorCodes.NOLOCALSPACE, job.outcome.pilotErrorDiag);
  // Which meets ENOSPC first is chance: the journal (its append fails) or the payload writing
  // its next output (it dies; the job ends with its disk found full). Both are the disk's code.
  t.regex(job.outcome.pilotErrorDiag, /no space left on device \(ENOSPC\) writing range journal|work disk full at the end of the job: \d+ B free/);
  t.true(['failed', 'holding'].includes(job.outcome.state), job.outcome.state);
  t.true(job.finalUpdateSent);
  const finals = dispatcher.snapshot().jobUpdates.filter((u) => u.pandaId === job.pandaId && u.state !== 'running' && u.outcome === 'applied');
  t.deepEqual(finals.map((u) => u.pilotErrorCode), [ErrorCodes.NOLOCALSPACE]);
  // Stopped: the payload was told "No more events" rather than given the whole task.
  const reports = finalReports(dispatcher.snapshot());
  const finished = [...reports].filter(([, s]) => s.includes('finished')).map(([id]) => id);
  t.true(finished.length < events, `${finished.length} of ${events} finished`);
  // Durable before acted on: every range the server was told is finished has its record.
  const snap = await readRangeJournal(join(job.jobDir, JOURNAL_FILE));
  for (const id of finished) t.is(snap.ranges.get(id)?.outcome?.status, 'finished', `range ${id} reported finished without a durable journal record`);
  t.false(run.lines.some((l) => /internal error|\n\s+at /.test(l)), 'no stack in the log');

  // With space again, a recovery finishes what the journal holds and nothing else.
  await disk.drain();
  t.true(await disk.free() > 4 * 1024 * 1024, `space again after the filler is removed: ${await disk.free()} B free`);
  const recovered = await recoverJobs(run, api, disk.path);
  t.false(recovered.some((r) => r.action === 'deferred'), JSON.stringify(recovered));
  for (const [id, statuses] of finalReports(dispatcher.snapshot())) {
    if (statuses.includes('finished')) t.is(snap.ranges.get(id)?.outcome?.status ?? (await readRangeJournal(join(job.jobDir, JOURNAL_FILE))).ranges.get(id)?.outcome?.status, 'finished', id);
  }
});

test.serial('espilot recover on a full disk: a clear message naming the file and ENOSPC, exit 1, no stack; with space again the job is recovered', async (t) => {
  const disk = await tinyDisk(5);
  t.teardown(() => disk.unmount());
  const dead = await deadPid();
  const pilotDir = join(disk.path, `pilot-${dead}-1`);
  const jobDir = join(pilotDir, 'PandaJob_4242');
  await mkdir(jobDir, { recursive: true });
  await writeFile(join(pilotDir, 'pilot.pid'), `${dead}\n`);
  const store = new JobStateStore(jobDir, '4242');
  await store.create(sampleJob({ outputFiles: [] }), 'normal');
  await store.update({ phase: 'running', pilotPid: dead });
  await disk.fill(0);

  const args = ['recover', '--workdir', disk.path, '--server', 'http://127.0.0.1:9', '--log-level', 'warn'];
  const r = await runCli(args, { timeoutMs: 60_000 });
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /job 4242 in \S+PandaJob_4242 left for the next recovery: NOLOCALSPACE \(1098\) no space left on device \(ENOSPC\) writing recovery lock \S+PandaJob_4242\/recovery\.lock/);
  t.regex(r.stdout, /job 4242: deferred/);
  t.notRegex(r.stderr, /internal error|\n\s+at /, 'no stack');

  await disk.drain();
  const again = await runCli(args, { timeoutMs: 60_000 });
  // The server is unreachable, so the final update stays pending (exit 1), but the job was taken over.
  t.regex(again.stdout, /job 4242: recovered → failed/, again.stderr);
  t.notRegex(again.stderr, /internal error|\n\s+at /);
});

function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn('true');
    c.on('error', reject);
    c.on('exit', () => resolve(c.pid!));
  });
}

test.serial('espilot run on a full work disk: no job is taken, a clear NOLOCALSPACE naming the pilot directory, exit 2, no stack', async (t) => {
  const disk = await tinyDisk(1);
  t.teardown(() => disk.unmount());
  const site = await localSite();
  t.teardown(site.remove);
  const layer = site.layer({ workdir: disk.path, server: { url: 'http://127.0.0.1:9' } });
  const siteFile = join(site.root, 'site.json');
  await writeFile(siteFile, JSON.stringify({ ...layer.pilot, queuedata: layer.queuedata }));
  await disk.fill(0);
  const r = await runCli(['run', '--config', siteFile, '--no-recover', '--log-level', 'warn'], { timeoutMs: 60_000 });
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /espilot: no space left on device \(ENOSPC\) writing \S+pilot-\d+-\d+\/pilot\.pid \[NOLOCALSPACE \(1098\)\]/);
  t.notRegex(r.stderr, /internal error|\n\s+at /);
});
