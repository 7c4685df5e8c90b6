/**
 * A complete ES job through the real parts: embedded dispatcher, PanDA client, RunJobEvent,
 * ZeroMQ channel, payload simulator, mover-local object store. Assertions read the
 * dispatcher's records and the object store only.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EsJobHarness, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { verifyMergedOutput } from '../../../plugins/payload-simulator/index.js';

const run = promisify(execFile);

test('every range is finished exactly once, stored under <outputLFN>.<rangeID> with its checksum, and the dispatcher agrees', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ files: 2, events: 5, coreCount: 2, simulatorArgs: '--workers=3' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outLfn = job.outputFiles[0]!.lfn;
  const outcome = await h.runJob(job);

  t.like(outcome, { state: 'finished', pilotErrorCode: 0, nEvents: 10, nEventsFailed: 0, transExitCode: 0 });
  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  t.is(ids.length, 10);
  const batches = s.dispatches.filter((d) => d.pandaId === job.pandaId);
  t.true(batches.length >= 3, 'ranges come in several batches');
  t.true(batches.every((d) => d.requested === 2 * 2), 'each asks for coreCount × rangesPerCoreFactor');
  // Dispatcher: each range finished, by exactly one report.
  t.true(s.ranges.every((r) => r.status === 'finished' && r.reports.length === 1));
  const reports = finalReports(s);
  for (const id of ids) t.deepEqual(reports.get(id), ['finished'], id);
  t.true(s.rangeUpdates.every((u) => u.outcome === 'applied'));
  // Object store: exactly one verified object per range, named for the merge job.
  t.deepEqual(await h.storedNames(), ids.map((id) => `${outLfn}.${id}`).sort());
  for (const id of ids) t.is(await h.checkObject(`${outLfn}.${id}`, id), undefined);
  // Journal closed: nothing left for a recovery.
  const journal = await h.journal();
  t.true(journal.closed);
  t.true([...journal.ranges.values()].every((r) => r.report === 'acked'));
  t.false(existsSync(`/tmp/zmq_${journal.job.channel}`), 'the socket file is gone');

  // The merge transform accepts the stored objects and merges them deterministically.
  const inputs = ids.map((id) => join(h.store, 'es', `${outLfn}.${id}`));
  const merged = join(h.workdir, 'merge');
  await run('mkdir', ['-p', merged]);
  await run(process.execPath, [join(process.cwd(), 'dist/plugins/payload-simulator/merge-simulator.js'), `--inputFile=${[...inputs].reverse().join(',')}`, `--outputFile=${outLfn}`], { cwd: merged });
  const v = verifyMergedOutput(await readFile(join(merged, outLfn)));
  t.true(v.ok);
  if (v.ok) t.is(v.header.ranges.length, 10);
});

test('a payload sending NUL-terminated messages, garbage, duplicate reports and reports for ranges never sent: each range still finished once', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 502, files: 1, events: 6, simulatorArgs: '--workers=2 --malformed --nulTerminate' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'finished', nEvents: 6 });
  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  t.is(ids.length, 6);
  const reports = finalReports(s);
  t.deepEqual([...reports.keys()].sort(), [...ids].sort(), 'no report for a range the dispatcher did not hand out');
  for (const id of ids) t.deepEqual(reports.get(id), ['finished'], id);
  t.true(s.rangeUpdates.every((u) => u.outcome === 'applied'), 'no duplicate reached the server');
  t.deepEqual(await h.storedNames(), ids.map((id) => `${job.outputFiles[0]!.lfn}.${id}`).sort());
});

test('two pilots on one host at once: separate channels, no cross-talk', async (t) => {
  const [a, b] = await Promise.all([
    EsJobHarness.start({ task: esTask({ taskId: 601, files: 1, events: 6 }) }),
    EsJobHarness.start({ task: esTask({ taskId: 602, files: 1, events: 6 }) }),
  ]);
  t.teardown(async () => { await a.dispose(); await b.dispose(); });
  const [ja, jb] = await Promise.all([a.getJob(), b.getJob()]);
  const [oa, ob] = await Promise.all([a.runJob(ja), b.runJob(jb)]);
  t.like(oa, { state: 'finished', nEvents: 6 });
  t.like(ob, { state: 'finished', nEvents: 6 });
  for (const [h, job] of [[a, ja], [b, jb]] as const) {
    const s = h.snapshot();
    const ids = dispatchedIds(s, job.pandaId);
    t.true(s.ranges.every((r) => r.status === 'finished' && r.reports.length === 1));
    t.true(s.rangeUpdates.every((u) => u.outcome === 'applied' && u.eventRangeId?.startsWith(`${s.task.taskId}-`)));
    t.deepEqual(await h.storedNames(), ids.map((id) => `${job.outputFiles[0]!.lfn}.${id}`).sort());
  }
  const [ca, cb] = [(await a.journal()).job.channel, (await b.journal()).job.channel];
  t.not(ca, cb);
});

test('getEventRanges failures are retried, not fatal; no prefetch before Ready when switched off', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 503, files: 1, events: 4 }), eventService: { prefetchBeforeReady: false } });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  // retries: 1 in the client, so each fault pair fails one getEventRanges round of the source.
  h.dispatcher.injectFault({ command: 'getEventRanges', kind: 'http-503', times: 4 });
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'finished', nEvents: 4 });
  t.is(h.dispatcher.faultsProduced().length, 4);
  const s = h.snapshot();
  t.true(s.ranges.every((r) => r.status === 'finished' && r.reports.length === 1));
});

test('lost replies to updateEventRanges: the same report is sent again, never a different one', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 504, files: 1, events: 4 }), eventService: { reportBatchSize: 2 } });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  h.dispatcher.injectFault({ command: 'updateEventRanges', kind: 'drop-reply', times: 2 });
  h.dispatcher.injectFault({ command: 'updateEventRanges', kind: 'http-503', times: 2 });
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'finished', nEvents: 4 });
  const s = h.snapshot();
  t.true(s.ranges.every((r) => r.status === 'finished' && r.reports.length === 1));
  for (const [id, statuses] of finalReports(s)) t.true(statuses.every((x) => x === 'finished'), id);
  t.true(s.rangeUpdates.some((u) => u.outcome === 'noop'), 'a retransmission reached the server and changed nothing');
  t.true((await h.journal()).closed);
});

test('getEventRanges failing for good: without prefetch the payload is told "No more events" and the job fails with the client\'s code', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 505, files: 1, events: 2 }), eventService: { prefetchBeforeReady: false }, runJob: { getEventRangesAttempts: 2 } });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  h.dispatcher.injectFault({ command: 'getEventRanges', kind: 'http-503', times: 1000 });
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'failed', pilotErrorCode: 1318, nEvents: 0, transExitCode: 0 });
  t.is(h.snapshot().dispatches.length, 0);

  // With prefetch (the default) the payload is not even started.
  const h2 = await EsJobHarness.start({ task: esTask({ taskId: 506, files: 1, events: 2 }), runJob: { getEventRangesAttempts: 2 } });
  t.teardown(() => h2.dispose());
  const job2 = await h2.getJob();
  h2.dispatcher.injectFault({ command: 'getEventRanges', kind: 'http-503', times: 1000 });
  const outcome2 = await h2.runJob(job2);
  t.like(outcome2, { state: 'failed', pilotErrorCode: 1318, nEvents: 0 });
  t.false(existsSync(join(h2.workdir, 'ES_payload_output.txt')), 'no payload was launched');
});
