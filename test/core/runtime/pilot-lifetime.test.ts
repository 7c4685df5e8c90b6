/**
 * The pilot's lifetime (issue 17, pilot3 `--lifetime`), with the embedded dispatcher and a
 * real ES payload: no job is taken when less than `minJobTimeS` remains before the drain; a
 * running ES job is drained `marginS` before the limit (no new ranges, the ones in flight
 * finished and reported: every range it held ends in exactly one final state).
 */
import test from 'ava';
import { join } from 'node:path';
import { ErrorCodes, JOURNAL_FILE, packageRoot, readRangeJournal, runPilotLoop } from '../../../core/index.js';
import { demoTaskPath, loadTaskFile } from '../../../plugins/panda-local/index.js';
import { dispatchedIds, finalReports } from '../../helpers/es-job-harness.js';
import { loopJob } from '../../helpers/loop-job.js';

async function setup(t: import('ava').ExecutionContext, lifetime: Record<string, number>, events = 3, simulatorArgs = '--workers=2 --timePerEventMs=50') {
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  return loopJob(t, {
    task: {
      ...demo, coreCount: 2,
      inputFiles: demo.inputFiles.slice(0, 1).map((f) => ({ ...f, events })),
      payload: { ...demo.payload, jobPars: demo.payload.jobPars.replace('--workers=4 ', '').replace('--timePerEventMs=0', simulatorArgs) },
    },
    pilot: { lifetime },
  });
}

test.serial('lifetime: less than minJobTimeS left before the drain → no job is asked for', async (t) => {
  // 30 s lifetime, drained 10 s early: 20 s left, a job needs 60 s.
  const { dispatcher, run, api } = await setup(t, { limitS: 30, marginS: 10, minJobTimeS: 60 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false, maxJobs: 3 });
  t.is(result.ended, 'time-limit');
  t.deepEqual(result.jobs, []);
  t.true(dispatcher.snapshot().jobs.every((j) => j.status === 'activated'), 'no job was dispatched');
  t.true(run.lines.some((l) => /no new job: pilot lifetime: .* less than the 60 s a job needs/.test(l)));
});

test.serial('lifetime: enough time left → the job is taken; a pilot that started long ago has none left', async (t) => {
  const { dispatcher, run, api } = await setup(t, { limitS: 600, marginS: 60, minJobTimeS: 60 });
  // The lifetime counts from the pilot's start: 500 s ago leaves 40 s before the drain.
  const old = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false, startedAt: Date.now() - 500_000 });
  t.is(old.ended, 'time-limit');
  t.deepEqual(old.jobs, []);
  const fresh = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  t.is(fresh.jobs.length, 1);
  t.is(fresh.jobs[0]!.outcome.state, 'finished', run.lines.filter((l) => /WARN|ERROR/i.test(l)).join('\n'));
  t.true(dispatcher.snapshot().jobs.some((j) => j.status !== 'activated'));
});

test.serial('lifetime: a running ES job is drained marginS before the limit; every range it held ends in exactly one final state', async (t) => {
  // Drain after 3 s, kill at 63 s: 2000 events at 50 ms on 2 workers need 50 s, so the drain
  // always meets a running payload, and the margin leaves it ample time to finish what it holds.
  const limitS = 63;
  const marginS = 60;
  const events = 2000;
  const { dispatcher, run, api } = await setup(t, { limitS, marginS, minJobTimeS: 1 }, events);
  const started = Date.now();
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false, maxJobs: 2, startedAt: started });
  t.is(result.ended, 'time-limit');
  t.is(result.jobs.length, 1, 'no second job after the drain');
  const job = result.jobs[0]!;
  t.true(job.finalUpdateSent);
  t.true(Date.now() - started < limitS * 1000, 'drained before the limit');
  t.true(run.lines.some((l) => /draining the job/.test(l)));
  t.false(run.lines.some((l) => /killing the payload/.test(l)), 'not killed: drained within the margin');
  const snap = dispatcher.snapshot();
  const fetched = dispatchedIds(snap, job.pandaId);
  t.true(fetched.length > 0 && fetched.length < events, `${fetched.length} of ${events} ranges fetched: no new ranges after the drain`);
  // Held: the ranges the payload received (its journal's `sentAt`). Fetched ranges never
  // handed to the payload are left to the server, which reassigns them when the job ends.
  const journal = await readRangeJournal(join(job.jobDir, JOURNAL_FILE));
  const held = [...journal.ranges.values()].filter((r) => r.sentAt !== undefined).map((r) => r.range.id);
  t.true(held.length > 0, 'the payload held ranges when the drain began');
  const reports = finalReports(snap);
  for (const id of held) t.is(reports.get(id)?.length, 1, `range ${id}: final reports ${JSON.stringify(reports.get(id))}`);
  for (const [id, statuses] of reports) t.is(statuses.length, 1, `range ${id}: ${JSON.stringify(statuses)}`);
  t.is(job.outcome.nEvents, [...reports.values()].filter((st) => st[0] === 'finished').length);
  const finals = snap.jobUpdates.filter((u) => u.pandaId === job.pandaId && u.state !== 'running' && u.outcome === 'applied');
  t.is(finals.length, 1);
  t.log(`${held.length} ranges held, job ${job.outcome.state} ${job.outcome.pilotErrorCode ?? ''}; REACHEDMAXTIME=${ErrorCodes.REACHEDMAXTIME}`);
});

test.serial('lifetime: a payload still running at the limit is killed there, REACHEDMAXTIME', async (t) => {
  // Hangs after 2 events and ignores SIGTERM; the drain (1 s) cannot end it within the margin
  // (its grace is 30 s), so the kill at the limit (3 s) does, SIGKILL after killGraceS.
  const limitS = 3;
  const { run, api } = await setup(t, { limitS, marginS: 2, minJobTimeS: 0.5 }, 50, '--workers=1 --hang=2 --ignoreTerm');
  const started = Date.now();
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false, startedAt: started });
  const job = result.jobs[0]!;
  t.true(Date.now() - started >= limitS * 1000, 'not killed before the limit');
  t.is(job.outcome.pilotErrorCode, ErrorCodes.REACHEDMAXTIME, job.outcome.pilotErrorDiag);
  t.true(run.lines.some((l) => /draining the job/.test(l)));
  t.true(run.lines.some((l) => /reached with the job still running: killing the payload/.test(l)));
  t.true(job.finalUpdateSent);
  t.is(result.ended, 'time-limit');
});
