/**
 * Job directories when the jobs are done: reduced to their report once the final update is
 * acknowledged and what the job produced is stored (pilot3 removes the work directory); kept
 * whole with keepWorkdir, and while a recovery still needs them (final update pending).
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  JOURNAL_FILE, PandaClient, STAGEIN_RECORD, packageRoot, reasonToKeep, recoverJobs, runPilotLoop,
  type JobOutcome,
} from '../../../core/index.js';
import { demoTaskPath, loadTaskFile, startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';
import { mergeJob, sampleJob } from '../../helpers/sample-jobs.js';

async function setup(t: import('ava').ExecutionContext, pilot: Record<string, unknown>) {
  const site = await localSite();
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  const task = {
    ...demo, coreCount: 2,
    inputFiles: demo.inputFiles.map((f) => ({ ...f, events: 3 })),
    payload: { ...demo.payload, jobPars: demo.payload.jobPars.replace('--workers=4', '--workers=2') },
  };
  const dispatcher = await startDispatcher({ task: await site.placeInputs(task) });
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: dispatcher.url, retries: 1, backoffBaseMs: 10, backoffMaxMs: 50, requestTimeoutMs: 5000 }, eventService: { reportIntervalMs: 20 }, ...pilot })] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  return { site, dispatcher, run, api };
}

/** An ES job's report keeps its per-range detail beside it (job-ranges.ndjson, which job-report.json points at). */
const REPORT_ONLY = (pandaId: string, es = false) => [...(es ? ['job-ranges.ndjson'] : []), 'job-report.json', `jobState-${pandaId}.json`, 'timeline.html'];

test('an ES job and its merge job, both done: each directory is reduced to its report and state file; a recovery finds nothing to do', async (t) => {
  const { run, api, site } = await setup(t, { keepWorkdir: false });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 5, handleSignals: false });
  t.deepEqual(result.jobs.map((j) => `${j.runJob} ${j.outcome.state}`), ['event finished', 'normal finished']);
  for (const j of result.jobs) {
    t.deepEqual((await readdir(j.jobDir)).sort(), REPORT_ONLY(j.pandaId, j.runJob === 'event'), `${j.runJob} job directory`);
    const report = JSON.parse(await readFile(j.report!.jsonPath, 'utf8')) as { job: { pandaId: string } };
    t.is(report.job.pandaId, j.pandaId, 'the report was written from the whole directory, before it was reduced');
  }
  t.true(existsSync(join(site.seDir, result.jobs[1]!.outcome.outputs!.find((o) => o.kind === 'output')!.lfn)), 'the merged output is on the storage element');
  const again = await recoverJobs(run, api, site.workdir);
  t.deepEqual(again.map((r) => r.action), ['skipped-done', 'skipped-done']);
});

test('keepWorkdir keeps the whole directory: journal, inputs, stage-in record', async (t) => {
  const { run, api } = await setup(t, { keepWorkdir: true });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 5, handleSignals: false });
  const [es, merge] = result.jobs;
  t.true(existsSync(join(es!.jobDir, JOURNAL_FILE)));
  t.true(existsSync(join(merge!.jobDir, STAGEIN_RECORD)));
  t.true(run.lines.some((l) => /job directory .* kept: keepWorkdir is set/.test(l)));
});

test('a final update the server never acknowledged keeps the directory for the recovery, which reduces it once the update is delivered', async (t) => {
  const { run, api, site, dispatcher } = await setup(t, { keepWorkdir: false });
  // Every updateJob fails (heartbeats are only warned about): the final update stays pending.
  dispatcher.injectFault({ command: 'updateJob', kind: 'http-503', times: 1000 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  const [es] = result.jobs;
  t.is(es!.outcome.state, 'finished', es!.outcome.pilotErrorDiag);
  t.false(es!.finalUpdateSent);
  t.true(existsSync(join(es!.jobDir, JOURNAL_FILE)), 'the journal is kept for the recovery');
  t.true(run.lines.some((l) => /kept: the final update is not acknowledged/.test(l)));
  dispatcher.clearFaults();
  const recovered = await recoverJobs(run, api, site.workdir);
  t.deepEqual(recovered.map((r) => `${r.action} ${r.finalUpdateSent}`), ['final-update true']);
  t.deepEqual((await readdir(es!.jobDir)).sort(), REPORT_ONLY(es!.pandaId, true));
});

test('reasonToKeep: done and stored is reduced; anything recovery or people still need is kept', (t) => {
  const job = mergeJob({ logFile: { lfn: 'log.4242.job.log.tgz' } });
  const out = (state: JobOutcome['state'], outputs: JobOutcome['outputs'] = []): JobOutcome => ({ state, pilotErrorCode: 0, pilotErrorDiag: '', transExitCode: 0, nEvents: 0, cpuConsumptionTime: 0, startTime: 0, endTime: 0, outputs });
  const stored = (kind: 'output' | 'log', lfn: string) => ({ kind, lfn, guid: 'g', size: 1, checksum: 'ad:00000001', surl: `file:///se/${lfn}` });
  const all = [...job.outputFiles.map((f) => stored('output', f.lfn)), stored('log', job.logFile!.lfn)];
  const end = (outcome: JobOutcome, over: { finalUpdateSent?: boolean; keepWorkdir?: boolean; j?: typeof job } = {}) =>
    reasonToKeep({ job: over.j ?? job, outcome, finalUpdateSent: over.finalUpdateSent ?? true, keepWorkdir: over.keepWorkdir ?? false });
  t.is(end(out('finished', all)), undefined);
  t.regex(end(out('finished', all), { keepWorkdir: true })!, /keepWorkdir/);
  t.regex(end(out('finished', all), { finalUpdateSent: false })!, /not acknowledged/);
  t.regex(end(out('finished', all.filter((o) => o.kind === 'log')))!, /outputs not stored/);
  t.is(end(out('failed', all.filter((o) => o.kind === 'log'))), undefined, 'a failed job whose log is stored');
  t.regex(end(out('failed'))!, /log was not stored/);
  t.regex(end(out('holding', all))!, /ended holding/);
  t.is(end(out('finished', []), { j: sampleJob({ eventService: true }) }), undefined, 'an ES job: its outputs are in the object store, range by range');
});
