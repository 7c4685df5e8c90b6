/**
 * Lost heartbeat (issue 17): the embedded dispatcher refuses every updateJob (its fault
 * injector, HTTP 503) under a running ES job. Once no heartbeat was acknowledged for
 * `lostHeartbeatS`, the payload is killed with EXCEEDEDMAXWAITTIME, no final state is sent,
 * the job directory keeps its outputs, and a later recovery finishes the job.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { ErrorCodes, JobStateStore, recoverJobs, runPilotLoop } from '../../../core/index.js';
import { esTask } from '../../helpers/es-job-harness.js';
import { loopJob } from '../../helpers/loop-job.js';
import { scaled } from '../../helpers/slowdown.js';

async function setup(t: import('ava').ExecutionContext, events: number, lostHeartbeatS: number) {
  // At 50 ms an event on 2 workers, the payload needs at least events × 25 ms.
  return loopJob(t, {
    task: esTask({ taskId: 8711, files: 1, events, simulatorArgs: '--workers=2 --timePerEventMs=50' }),
    pilot: { heartbeatS: 1, lostHeartbeatS },
    server: { retries: 0, requestTimeoutMs: scaled(3000) },
    eventService: { payloadGraceS: 10 },
    runJob: { finalFlushS: 5 },
  });
}

test.serial('no heartbeat acknowledged for lostHeartbeatS: payload killed (EXCEEDEDMAXWAITTIME), no final update, outputs kept, a recovery finishes the job', async (t) => {
  // 400 events: the payload needs at least 10 s, far beyond the 2 s window.
  const lostHeartbeatS = 2;
  const { site, dispatcher, run, api } = await setup(t, 400, lostHeartbeatS);
  // The server is unreachable for updateJob from the start: not one heartbeat is acknowledged.
  dispatcher.injectFault({ command: 'updateJob', kind: 'http-503', times: 100_000 });

  const started = Date.now();
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const job = result.jobs[0]!;
  t.is(job.outcome.pilotErrorCode, ErrorCodes.EXCEEDEDMAXWAITTIME, job.outcome.pilotErrorDiag);
  t.regex(job.outcome.pilotErrorDiag, /declared the job lost/);
  t.true(Date.now() - started >= lostHeartbeatS * 1000, 'not killed before the window');
  t.false(job.finalUpdateSent);
  // Stopped: the payload did not get through the task.
  const es = dispatcher.snapshot().jobs.find((j) => j.pandaId === job.pandaId)!;
  const snap = dispatcher.snapshot();
  t.true(snap.ranges.filter((r) => r.reports.some((rep) => rep.status === 'finished')).length < 400);
  // No final state reached the server, and none was attempted after the job was lost.
  t.deepEqual(snap.jobUpdates.filter((u) => u.pandaId === job.pandaId && u.outcome === 'applied'), []);
  t.true(run.lines.some((l) => /final update not sent; outputs kept/.test(l)), 'the log says the final update is withheld');
  // Outputs kept: the job directory and its state file, without an outcome, for a recovery.
  t.true(existsSync(job.jobDir));
  const state = await new JobStateStore(job.jobDir, job.pandaId).load();
  t.is(state?.outcome, undefined);
  t.is(state?.finalUpdate, 'none');
  t.false(['finished', 'failed', 'closed', 'holding'].includes(es.status), es.status);

  // The server reachable again: a recovery finishes the job, one final state.
  dispatcher.clearFaults();
  const recovered = await recoverJobs(run, api, site.workdir);
  t.deepEqual(recovered.map((r) => [r.pandaId, r.action, r.finalUpdateSent]), [[job.pandaId, 'recovered', true]]);
  const after = dispatcher.snapshot();
  const finals = after.jobUpdates.filter((u) => u.pandaId === job.pandaId && u.state !== 'running' && u.outcome === 'applied');
  t.is(finals.length, 1, JSON.stringify(finals));
  for (const range of after.ranges) t.true(range.reports.length <= 1, `range ${range.key}: ${range.reports.length} applied reports`);
});

test.serial('a heartbeat that fails once, then succeeds, restarts the window: the job is not touched', async (t) => {
  // 160 events: at least 4 s of payload, longer than the 3 s window; heartbeats every second.
  const { dispatcher, run, api } = await setup(t, 160, 3);
  dispatcher.injectFault({ command: 'updateJob', kind: 'http-503', times: 1 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const job = result.jobs[0]!;
  t.is(dispatcher.faultsProduced().length, 1, 'the first heartbeat failed');
  t.is(job.outcome.state, 'finished', job.outcome.pilotErrorDiag);
  t.true(job.finalUpdateSent);
  t.false(run.lines.some((l) => /declared the job lost/.test(l)));
});
