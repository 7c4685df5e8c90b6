/**
 * When the server stops answering at the end of a job, the job ends `holding` within its
 * flush time, and the range journal is enough for a restarted pilot to finish the reporting
 * with the same outcomes, each range once (the recovery command of a later issue).
 */
import test from 'ava';
import { join } from 'node:path';
import {
  JOURNAL_FILE, PandaClient, RangeJournal, RangeReporter, RangeTracker, pendingWork, readRangeJournal, silentLogger,
} from '../../../core/index.js';
import { EsJobHarness, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { scaled } from '../../helpers/slowdown.js';

test('a silent server at the end: holding within finalFlushS, then the journal finishes the reporting', async (t) => {
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 801, files: 1, events: 4, simulatorArgs: '--workers=1' }),
    eventService: { reportIntervalMs: 60_000, reportBatchSize: 100 },
    // retries 0: a stalled report is not sent again after the fault is cleared.
    server: { requestTimeoutMs: scaled(3000), retries: 0 },
    runJob: { finalFlushS: 1.5 },
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  h.dispatcher.injectFault({ command: 'updateEventRanges', kind: 'stall', times: 1000 });
  const started = Date.now();
  const outcome = await h.runJob(job);
  t.true(Date.now() - started < scaled(15_000));
  t.like(outcome, { state: 'holding', pilotErrorCode: 1224, nEvents: 4 });
  t.is(h.snapshot().rangeUpdates.length, 0, 'nothing reached the server');

  const path = join(h.workdir, JOURNAL_FILE);
  const snap = await readRangeJournal(path);
  t.false(snap.closed);
  const work = pendingWork(snap);
  t.is(work.report.length, 4);
  t.true(work.report.every((s) => s.outcome?.status === 'finished' && s.stored?.length === 1));
  t.deepEqual(work.upload, []);

  // A restarted pilot: reopen the journal, resend exactly the recorded outcomes.
  h.dispatcher.clearFaults();
  const journal = await RangeJournal.reopen(path);
  const tracker = RangeTracker.fromSnapshot(snap, journal, silentLogger);
  const panda = PandaClient.fromRun(h.run, {});
  t.teardown(() => panda.close());
  const reporter = new RangeReporter({
    send: (u) => panda.updateEventRanges(u, snap.job.pandaId), onResult: async (a, r) => tracker.markReported(a, r),
    batchSize: 100, intervalMs: 10, backoffBaseMs: 10, backoffMaxMs: 100, log: silentLogger,
  });
  for (const s of tracker.unreported()) reporter.enqueue({ eventRangeId: s.range.id, eventStatus: s.outcome!.status });
  t.is(await reporter.flush(5000), 0);
  reporter.close();
  await journal.close();

  const s = h.snapshot();
  for (const id of dispatchedIds(s, job.pandaId)) t.deepEqual(finalReports(s).get(id), ['finished'], id);
  const after = await readRangeJournal(path);
  t.deepEqual(pendingWork(after).report, []);
  t.true([...after.ranges.values()].every((r) => r.report === 'acked'));
});
