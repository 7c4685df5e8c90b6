/**
 * ES jobs whose payload, server or storage misbehave. Real parts throughout (embedded
 * dispatcher, ZeroMQ channel, payload simulator, mover-local); assertions read the
 * dispatcher's records and the object store. Serial: some scenarios are about time limits.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobControlSource, bindJob } from '../../../core/index.js';
import { EsJobHarness, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { processesWith } from '../../helpers/process-state.js';
import { measureNodeStartMs } from '../../helpers/slowdown.js';

const ROOT = process.cwd();

/** Calls `fn` once the dispatcher has received the first range report (checked every 20 ms). */
function whenReported(h: EsJobHarness, fn: () => void): void {
  const timer = setInterval(() => {
    if (h.snapshot().rangeUpdates.length === 0) return;
    clearInterval(timer);
    fn();
  }, 20);
}

test.serial('a payload crash mid-range: finished ranges stay finished, the held range fails with 1227, the job fails with 1227', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 701, files: 1, events: 8, simulatorArgs: '--workers=1 --crashAfter=3' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'failed', pilotErrorCode: 1227, nEvents: 3, nEventsFailed: 1, transExitCode: 128 + 9 });
  const s = h.snapshot();
  const reports = finalReports(s);
  const ids = dispatchedIds(s, job.pandaId);
  const finished = ids.filter((id) => reports.get(id)?.[0] === 'finished');
  const failed = s.rangeUpdates.filter((u) => u.eventStatus === 'failed');
  t.is(finished.length, 3);
  t.is(failed.length, 1);
  t.is(Number(failed[0]!.errorCode), 1227);
  for (const [id, statuses] of reports) t.is(statuses.length, 1, id);
  t.deepEqual(await h.storedNames(), finished.map((id) => `${job.outputFiles[0]!.lfn}.${id}`).sort());
  // The ranges the payload never got are left to the server (not reported).
  t.is(reports.size, 4);
});

test.serial('ERR_* messages: ERR_ATHENAMP_PROCESS ranges fail with 1220, the others finish', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 702, files: 1, events: 10, simulatorArgs: '--workers=2 --errorRate=0.4 --seed=7' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  const s = h.snapshot();
  const failed = s.rangeUpdates.filter((u) => u.eventStatus === 'failed');
  const finished = s.rangeUpdates.filter((u) => u.eventStatus === 'finished');
  t.true(failed.length > 0 && finished.length > 0, `${failed.length} failed, ${finished.length} finished`);
  t.is(failed.length + finished.length, 10);
  t.true(failed.every((u) => Number(u.errorCode) === 1220 && u.outcome === 'applied'));
  t.like(outcome, { state: 'finished', nEvents: finished.length, nEventsFailed: failed.length });
  t.deepEqual(await h.storedNames(), finished.map((u) => `${job.outputFiles[0]!.lfn}.${u.eventRangeId}`).sort());
});

test.serial('a fatal payload error (ERR_TE_FATAL URL Error) makes its range fatal (1230), stops the dispatch and fails the job', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 703, files: 1, events: 20, simulatorArgs: '--workers=1 --errorRate=1 --errorAcronym=ERR_TE_FATAL --errorDiag="URL Error: cannot reach the server"' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  const s = h.snapshot();
  // A fatal range is never retried and fails the job: the first one stops the dispatch as it
  // arrives, so the one worker's Ready right behind its report gets "No more events" and the
  // payload burns only the range it held, not the whole task.
  t.is(s.rangeUpdates.length, 1, `${s.rangeUpdates.length} range(s) reported`);
  t.true(s.rangeUpdates.every((u) => u.eventStatus === 'fatal' && Number(u.errorCode) === 1230));
  t.like(outcome, { state: 'failed', pilotErrorCode: 1230, nEvents: 0, nEventsFailed: s.rangeUpdates.length });
  const fatal = new Set(s.rangeUpdates.map((u) => u.eventRangeId));
  t.true(s.ranges.filter((r) => r.eventRangeId && fatal.has(r.eventRangeId)).every((r) => r.attemptNr === 1), 'fatal uses up the attempts');
  t.true(s.ranges.filter((r) => !r.eventRangeId || !fatal.has(r.eventRangeId)).every((r) => r.attemptNr > 1), 'the other ranges keep theirs');
});

test.serial('softkill (SIGTERM to the pilot): dispatching stops, ranges in flight finish and are reported, the rest stay with the server', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 704, files: 1, events: 30, simulatorArgs: '--workers=2 --timePerEventMs=100' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const control = new JobControlSource();
  whenReported(h, () => control.onSignal('SIGTERM', h.run.logger));
  const outcome = await h.runJob(job, control);
  const s = h.snapshot();
  const reports = finalReports(s);
  t.like(outcome, { state: 'finished', pilotErrorCode: 0 });
  t.true(outcome.nEvents > 0 && outcome.nEvents < 30, `${outcome.nEvents} events`);
  t.is(reports.size, outcome.nEvents);
  for (const [id, statuses] of reports) t.deepEqual(statuses, ['finished'], id);
  t.true(dispatchedIds(s, job.pandaId).length > reports.size, 'fetched ranges were left undispatched');
  t.is((await h.storedNames()).length, outcome.nEvents);
});

test.serial('the server\'s softkill and tobekilled commands with an update reply go through the job\'s control, as updateJob\'s do', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 705, files: 1, events: 30, simulatorArgs: '--workers=1 --timePerEventMs=50' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  h.dispatcher.command(job.pandaId, 'softkill');
  const control = new JobControlSource();
  const outcome = await h.runJob(job, control);
  t.like(outcome, { state: 'finished' });
  t.true(outcome.nEvents >= 1 && outcome.nEvents < 30, `${outcome.nEvents} events`);
  t.like(control.stopReason, { code: 1237 }, 'softkill from a range update is the control\'s softkill (ESKILLEDBYSERVER)');
  t.false(control.kill.aborted);

  const h2 = await EsJobHarness.start({ task: esTask({ taskId: 706, files: 1, events: 30, simulatorArgs: '--workers=1 --timePerEventMs=50' }) });
  t.teardown(() => h2.dispose());
  const job2 = await h2.getJob();
  // A list, in another case, with blanks: parsed by the one parser updateJob's commands use.
  h2.dispatcher.command(job2.pandaId, 'debug, TOBEKILLED ');
  const control2 = new JobControlSource();
  const killed = await h2.runJob(job2, control2);
  t.like(killed, { state: 'failed', pilotErrorCode: 1144 });
  t.like(control2.stopReason, { code: 1144 });
  t.true(control2.kill.aborted);
  for (const [id, statuses] of finalReports(h2.snapshot())) t.is(statuses.length, 1, id);
});

test.serial('SIGINT to the pilot: the payload is stopped at once and the job fails with 1208 (the signal\'s code)', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 707, files: 1, events: 30, simulatorArgs: '--workers=2 --timePerEventMs=100' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  // The pilot's own JobControlSource, driven as its signal handler drives it.
  const control = new JobControlSource();
  whenReported(h, () => control.onSignal('SIGINT', h.run.logger));
  const started = Date.now();
  const outcome = await h.runJob(job, control);
  t.like(outcome, { state: 'failed', pilotErrorCode: 1208 });
  t.true(Date.now() - started < 10_000);
  const s = h.snapshot();
  const failed = s.rangeUpdates.filter((u) => u.eventStatus === 'failed');
  t.true(failed.length >= 1 && failed.every((u) => Number(u.errorCode) === 1227), 'the ranges it held are failed');
  for (const [id, statuses] of finalReports(s)) t.is(statuses.length, 1, id);
});

test.serial('a hung payload that ignores SIGTERM: maxWaitForEventS, SIGTERM, SIGKILL of its whole group; the held range fails with 1227', async (t) => {
  // Silence longer than a payload needs to start and send its first message (measured now,
  // three times over) is a hang; the simulator finishes its first range, then hangs for good.
  const maxWaitForEventS = Math.max(1, Math.ceil((3 * (await measureNodeStartMs())) / 100) / 10);
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 708, files: 1, events: 5, simulatorArgs: '--workers=1 --hang=1 --ignoreTerm' }),
    eventService: { maxWaitForEventS, killGraceS: 0.5 },
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  // The shell leading the group dies of SIGTERM; the simulator under it ignores it and is killed.
  t.like(outcome, { state: 'failed', pilotErrorCode: 1227, nEvents: 1, nEventsFailed: 1, transExitCode: 128 + 15 });
  t.regex(outcome.pilotErrorDiag, /no message from the payload/);
  t.deepEqual(await processesWith((await h.journal()).job.channel!), [], 'nothing of the payload is left running');
  const reports = finalReports(h.snapshot());
  t.deepEqual([...reports.values()].map((v) => v[0]).sort(), ['failed', 'finished']);
});

test.serial('stage-out failures: ranges fail with 1137, and after maxConsecutiveStageOutFailures the payload gets "No more events"', async (t) => {
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 709, files: 1, events: 20, simulatorArgs: '--workers=1 --timePerEventMs=50' }),
    eventService: { maxConsecutiveStageOutFailures: 2, stageOutConcurrency: 1 },
    queuedata: () => ({ objectstore: 'eventservice^file:///dev/null/es', stageoutretry: 1 }),
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'failed', pilotErrorCode: 1137, nEvents: 0 });
  const s = h.snapshot();
  t.true(s.rangeUpdates.length >= 2 && s.rangeUpdates.length < 20, `${s.rangeUpdates.length} reports`);
  t.true(s.rangeUpdates.every((u) => u.eventStatus === 'failed' && Number(u.errorCode) === 1137));
});

test.serial('ES uploads retry with the pilot\'s transfer backoff (pilot.transfers), not the server\'s', async (t) => {
  // The server backoff is an hour: an upload retry waiting by it would never end within the test.
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 716, files: 1, events: 2, simulatorArgs: '--workers=1' }),
    server: { backoffBaseMs: 3_600_000, backoffMaxMs: 3_600_000 },
    pilot: { transfers: { backoffBaseMs: 1, backoffMaxMs: 2 } },
    queuedata: () => ({ objectstore: 'eventservice^file:///dev/null/es', stageoutretry: 3 }),
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  t.deepEqual(bindJob(h.run.resolver, job).es().primary.retry, { attempts: 3, backoffBaseMs: 1, backoffMaxMs: 2 }, 'the policy the binding gives the run\'s and the recovery\'s stage-out');
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'failed', pilotErrorCode: 1137 });
  const s = h.snapshot();
  t.is(s.rangeUpdates.length, 2);
  t.true(s.rangeUpdates.every((u) => u.eventStatus === 'failed' && Number(u.errorCode) === 1137));
  // Every upload was retried (the failure is recoverable), each retry after a transfer backoff.
  t.is(h.run.lines.filter((l) => /stage-out of .* failed \(attempt 3\/3\)/.test(l)).length, 2, h.run.lines.filter((l) => /stage-out/.test(l)).join('\n'));
});

test.serial('the es_failover storage takes the outputs when es_events fails', async (t) => {
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 710, files: 1, events: 4, simulatorArgs: '--workers=2' }),
    queuedata: (store) => ({
      ddmendpoints: { BAD_ES: { endpoint: 'file:///dev/null/es' }, GOOD_FAILOVER: { endpoint: pathToFileURL(join(store, 'failover')).href } },
      astorages: { es_events: ['BAD_ES'], es_failover: ['GOOD_FAILOVER'] },
      stageoutretry: 1,
    }),
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'finished', nEvents: 4 });
  const s = h.snapshot();
  for (const id of dispatchedIds(s, job.pandaId)) {
    t.deepEqual(finalReports(s).get(id), ['finished']);
    t.is(await h.checkObject(`${job.outputFiles[0]!.lfn}.${id}`, id, join(h.store, 'failover')), undefined);
  }
});

test.serial('the stop reply is byte-exact: a raw DEALER payload checks the bytes', async (t) => {
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 711, files: 1, events: 2, jobPars: `${ROOT}/dist/test/fixtures/payloads/stop-bytes-peer.js` }),
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.is(await readFile(join(h.workdir, 'stop-reply.hex'), 'utf8'), Buffer.from('No more events').toString('hex'));
  t.is(outcome.transExitCode, 0);
  const s = h.snapshot();
  t.true(s.rangeUpdates.every((u) => u.eventStatus === 'failed' && Number(u.errorCode) === 1220));
  t.is(s.rangeUpdates.length, 2);
});

test.serial('a peer asking for ranges without reporting waits beyond cores × rangesPerCoreFactor; each report it sends frees a slot', async (t) => {
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 716, files: 1, events: 10, coreCount: 1, jobPars: `${ROOT}/dist/test/fixtures/payloads/greedy-peer.js` }),
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  await h.runJob(job);
  const greedy = JSON.parse(await readFile(join(h.workdir, 'greedy.json'), 'utf8')) as { first: string[]; early: string; after: string[] };
  // 1 core × rangesPerCoreFactor 2: two ranges at once; the other three asks wait, never told to stop.
  t.deepEqual(greedy.first, ['range', 'range']);
  t.is(greedy.early, 'none');
  t.deepEqual(greedy.after, ['range', 'range', 'range']);
  const s = h.snapshot();
  t.is(s.rangeUpdates.length, 5);
  t.true(s.rangeUpdates.every((u) => u.eventStatus === 'failed'));
});

test.serial('no storage for ES outputs: the job fails with 1241 before any payload starts', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 712, files: 1, events: 2 }), queuedata: () => ({}) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'failed', pilotErrorCode: 1241, nEvents: 0 });
  t.regex(outcome.pilotErrorDiag, /es_events/);
  t.is(h.snapshot().dispatches.length, 0, 'no range was taken from the server');
});

test.serial('payload helpers hear of every range before it is dispatched, and a helper dying stops the job with its code', async (t) => {
  const plugin = join(ROOT, 'dist/test/fixtures/plugins/helper-experiment.js');
  const ok = await EsJobHarness.start({ task: esTask({ taskId: 713, files: 1, events: 5 }), pilot: { experiment: 'helper-test', plugins: [plugin] } });
  t.teardown(() => ok.dispose());
  const job = await ok.getJob();
  t.like(await ok.runJob(job), { state: 'finished', nEvents: 5 });
  const told = (await readFile(join(ok.workdir, 'helper-ranges.txt'), 'utf8')).split('\n').filter(Boolean);
  t.deepEqual(told.sort(), dispatchedIds(ok.snapshot(), job.pandaId).sort());

  const dies = await EsJobHarness.start({
    task: esTask({ taskId: 714, files: 1, events: 50, simulatorArgs: '--workers=1 --timePerEventMs=100 # HELPER_DIES' }),
    pilot: { experiment: 'helper-test', plugins: [plugin] },
  });
  t.teardown(() => dies.dispose());
  const job2 = await dies.getJob();
  const outcome = await dies.runJob(job2);
  t.like(outcome, { state: 'failed', pilotErrorCode: 1229 });
  for (const [id, statuses] of finalReports(dies.snapshot())) t.is(statuses.length, 1, id);
});

test.serial('a payload still running payloadGraceS after "No more events" is terminated; the ranges it finished stand', async (t) => {
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 715, files: 1, events: 3, simulatorArgs: '--workers=1; sleep 60' }),
    eventService: { payloadGraceS: 0.5, killGraceS: 1 },
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const started = Date.now();
  const outcome = await h.runJob(job);
  t.true(Date.now() - started < 20_000);
  t.like(outcome, { state: 'finished', nEvents: 3, transExitCode: 128 + 15 });
  t.deepEqual(await processesWith((await h.journal()).job.channel!), []);
});
