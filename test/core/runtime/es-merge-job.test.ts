import test from 'ava';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PandaClient, adler32, formatAdler32, packageRoot, runPilotLoop } from '../../../core/index.js';
import { demoTaskPath, loadTaskFile, startDispatcher } from '../../../plugins/panda-local/index.js';
import { verifyMergedOutput, verifySimulatorOutput } from '../../../plugins/payload-simulator/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';
import { scaled } from '../../helpers/slowdown.js';

async function esSetup(t: import('ava').ExecutionContext, events = 4) {
  const site = await localSite();
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  const task = {
    ...demo, coreCount: 2,
    inputFiles: demo.inputFiles.map((f) => ({ ...f, events })),
    payload: { ...demo.payload, jobPars: demo.payload.jobPars.replace('--workers=4', '--workers=2') },
  };
  const dispatcher = await startDispatcher({ task: await site.placeInputs(task) });
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: dispatcher.url, retries: 2, backoffBaseMs: 50, backoffMaxMs: 200, requestTimeoutMs: scaled(2000) }, eventService: { reportIntervalMs: 20 } })] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  return { site, dispatcher, run, api };
}

test('the dispatcher unreachable for a while during range updates: reports queued and delivered later, each range once', async (t) => {
  const { dispatcher, run, api } = await esSetup(t);
  // Every updateEventRanges fails for a while (more failures than one call's retry budget).
  dispatcher.injectFault({ command: 'updateEventRanges', kind: 'http-503', times: 8 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  t.is(result.jobs[0]!.outcome.state, 'finished', result.jobs[0]!.outcome.pilotErrorDiag);
  t.true(dispatcher.faultsProduced().filter((f) => f.command === 'updateEventRanges').length >= 8);
  const snap = dispatcher.snapshot();
  for (const r of snap.ranges) {
    t.is(r.reports.length, 1, `range ${r.key} reported exactly once`);
    t.is(r.reports[0]!.status, 'finished');
  }
});

test('getEventRanges failing a few times, then succeeding: retried, not fatal', async (t) => {
  const { dispatcher, run, api } = await esSetup(t);
  dispatcher.injectFault({ command: 'getEventRanges', kind: 'reset', times: 3 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  t.is(result.jobs[0]!.outcome.state, 'finished', result.jobs[0]!.outcome.pilotErrorDiag);
  t.is(dispatcher.faultsProduced().filter((f) => f.command === 'getEventRanges').length, 3);
  t.true(dispatcher.snapshot().ranges.every((r) => r.reports.length === 1 && r.reports[0]!.status === 'finished'));
});

test('an ES job, then the merge job the dispatcher creates; the merged output verified byte by byte', async (t) => {
  const site = await localSite();
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  // The demo task, smaller: 2 files × 6 events, 2 workers.
  const task = {
    ...demo,
    coreCount: 2,
    inputFiles: demo.inputFiles.map((f) => ({ ...f, events: 6 })),
    payload: { ...demo.payload, jobPars: demo.payload.jobPars.replace('--workers=4', '--workers=2') },
  };
  const dispatcher = await startDispatcher({ task: await site.placeInputs(task) });
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: dispatcher.url }, eventService: { reportIntervalMs: 20 } })] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });

  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 5, handleSignals: false });
  t.is(result.ended, 'no-job');
  t.deepEqual(result.jobs.map((j) => j.runJob), ['event', 'normal']);
  for (const j of result.jobs) t.is(j.outcome.state, 'finished', `${j.runJob}: ${j.outcome.pilotErrorDiag}`);

  const snap = dispatcher.snapshot();
  // Every range finished exactly once, in the dispatcher's own records.
  t.is(snap.ranges.length, 12);
  for (const r of snap.ranges) {
    t.is(r.status, 'done', `range ${r.key} (finished, then done when the ES job closed)`);
    t.is(r.reports.filter((x) => x.status === 'finished').length, 1, `range ${r.key} reported once`);
  }
  // Every finished range has its object in the object store, named <outputLFN>.<eventRangeID>, with valid bytes.
  const esJob = snap.jobs.find((j) => j.kind === 'es')!;
  const outLfn = String(esJob.definition['outFiles']).split(',')[0]!;
  const objects = new Set(await readdir(join(site.osDir, 'es')));
  for (const r of snap.ranges) {
    const name = `${outLfn}.${r.eventRangeId}`;
    t.true(objects.has(name), `object ${name}`);
    const check = verifySimulatorOutput(await readFile(join(site.osDir, 'es', name)), { eventRangeId: r.eventRangeId! });
    t.true(check.ok, JSON.stringify(check));
  }
  // The merge job staged those objects in (verified) and stored the merged file on the SE.
  const merged = await readFile(join(site.seDir, outLfn));
  const v = verifyMergedOutput(merged);
  t.true(v.ok, JSON.stringify(v));
  if (v.ok) t.is(v.header.ranges.length, 12);
  const mergeRecord = snap.jobs.find((j) => j.kind === 'merge')!;
  t.is(mergeRecord.status, 'finished');
  t.is(snap.task.status, 'done');
  t.truthy(formatAdler32(adler32(merged)));
});
