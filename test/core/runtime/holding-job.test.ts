/**
 * An ES job whose range reports cannot be delivered by the end (the server black-holes
 * updateEventRanges) ends `holding`. The server is told `transferring`, a state in which it
 * still takes range updates (it refuses them for `holding`), and a later recovery delivers
 * the recorded outcomes, each once, then the job's real final state. Found by the fault
 * suite (R6/R12): before, the job was reported `holding`, recovery skipped it as done, and
 * its finished ranges were never reported.
 */
import test from 'ava';
import { finalJobUpdate, recoverJobs } from '../../../core/index.js';
import { finalReports } from '../../helpers/es-job-harness.js';
import { heldEsJob } from '../../helpers/held-es-job.js';

test('ES holding: reported transferring, then recovery delivers every range report once and closes the job', async (t) => {
  const { site, dispatcher, run, api, result } = await heldEsJob(t, { taskId: 951, events: 5 });
  const job = result.jobs[0]!;
  t.like(job.outcome, { state: 'holding', nEvents: 5 });
  t.true(job.finalUpdateSent);
  let s = dispatcher.snapshot();
  t.is(s.jobs.find((j) => j.pandaId === job.pandaId)?.status, 'transferring');
  t.is(s.rangeUpdates.length, 0, 'no report got through');

  dispatcher.clearFaults();
  const recovered = await recoverJobs(run, api, site.workdir);
  t.deepEqual(recovered.map((r) => [r.pandaId, r.action, r.outcome?.state, r.finalUpdateSent]), [[job.pandaId, 'recovered', 'finished', true]]);
  s = dispatcher.snapshot();
  const reports = finalReports(s);
  t.is(reports.size, 5);
  for (const [id, statuses] of reports) t.deepEqual(statuses, ['finished'], id);
  t.is(s.jobs.find((j) => j.pandaId === job.pandaId)?.status, 'closed');
  // Nothing left to do: a second recovery finds the job done.
  t.deepEqual((await recoverJobs(run, api, site.workdir)).map((r) => r.action), ['skipped-done']);
});

test('the final update of a holding job: transferring for an ES job, holding for a normal one', (t) => {
  const outcome = { state: 'holding' as const, pilotErrorCode: 1224, pilotErrorDiag: 'reports pending', transExitCode: 0, nEvents: 3, cpuConsumptionTime: 1, startTime: 1, endTime: 2 };
  const job = { pandaId: '1', coreCount: 1, inputFiles: [], attemptNr: 1 };
  t.is(finalJobUpdate({ ...job, eventService: true } as never, outcome).state, 'transferring');
  t.is(finalJobUpdate({ ...job, eventService: false } as never, outcome).state, 'holding');
  t.is(finalJobUpdate({ ...job, eventService: true } as never, { ...outcome, state: 'finished' }).state, 'finished');
});
