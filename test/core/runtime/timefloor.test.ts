/**
 * pilot3's multi-job mode (queuedata `timefloor`): after a job the pilot asks for another only
 * while less than the timefloor has passed since it started. The demo task has two jobs (the
 * ES job, then its merge job), served by the embedded dispatcher.
 */
import test from 'ava';
import { packageRoot, runPilotLoop } from '../../../core/index.js';
import { demoTaskPath, loadTaskFile } from '../../../plugins/panda-local/index.js';
import { loopJob } from '../../helpers/loop-job.js';

async function setup(t: import('ava').ExecutionContext) {
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  return loopJob(t, { task: { ...demo, coreCount: 2, inputFiles: demo.inputFiles.slice(0, 1).map((f) => ({ ...f, events: 3 })) } });
}

test.serial('timefloor not yet passed: the pilot takes job after job until the server has none', async (t) => {
  const { dispatcher, run, api } = await setup(t);
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false, maxJobs: Number.POSITIVE_INFINITY, timefloorS: 3600 });
  t.is(result.ended, 'no-job');
  t.deepEqual(result.jobs.map((j) => j.outcome.state), ['finished', 'finished'], run.lines.filter((l) => /WARN|ERROR/i.test(l)).join('\n'));
  t.is(dispatcher.snapshot().task.status, 'done');
  t.true(run.lines.some((l) => /timefloor 3600 s, \d+ s since the start: asking for another job/.test(l)));
});

test.serial('timefloor passed: one job, then no other is asked for', async (t) => {
  const { dispatcher, run, api } = await setup(t);
  // Started 120 s ago with a 60 s timefloor: the first job runs (pilot3: the timefloor does not apply to it), no second.
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false, maxJobs: Number.POSITIVE_INFINITY, timefloorS: 60, startedAt: Date.now() - 120_000 });
  t.is(result.ended, 'time-limit');
  t.is(result.jobs.length, 1);
  t.true(run.lines.some((l) => /no new job: the pilot has run \d+ s, past the queue's timefloor of 60 s/.test(l)));
  t.true(dispatcher.snapshot().jobs.some((j) => j.kind === 'merge' && j.status === 'activated'), 'the merge job was left to another pilot');
});
