import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JOB_REPORT_FILE, JobStateStore, PandaClient, TIMELINE_FILE, jobDirFor, packageRoot, recoverJobs, type JobReport } from '../../../core/index.js';
import { demoTaskPath, loadTaskFile, startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';

test('a job whose pilot died before its final update: recovery sends it and writes the job report with the update acknowledged', async (t) => {
  const site = await localSite();
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  const dispatcher = await startDispatcher({ task: { ...demo, eventService: false, inputFiles: demo.inputFiles.slice(0, 1) } });
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: dispatcher.url } })] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });

  // What a pilot that died right after its payload finished leaves behind.
  const job = (await api.getJob({ siteName: 'TEST_LOCAL' }))!;
  const jobDir = jobDirFor(join(site.workdir, 'pilot-dead'), job.pandaId);
  await mkdir(jobDir, { recursive: true });
  await writeFile(join(dirname(jobDir), 'pilot.pid'), '2147483646\n');
  const state = new JobStateStore(jobDir, job.pandaId);
  await state.create(job, 'normal', { experiment: 'generic', runJob: 'normal' });
  const now = Date.now();
  // It had stored its output and log: the outcome lists them for the server's Adder.
  const outputs = [...job.outputFiles, job.logFile!].map((f, i) => ({ lfn: f.lfn, kind: f === job.logFile ? 'log' as const : 'output' as const, guid: f.guid ?? `G${i}`, size: 10, checksum: 'ad:0000000a', surl: `file:///se/${f.lfn}` }));
  await state.update({ phase: 'finished', finalUpdate: 'pending', outcome: { state: 'finished', pilotErrorCode: 0, pilotErrorDiag: '', transExitCode: 0, nEvents: 50, cpuConsumptionTime: 1, startTime: now - 1000, endTime: now, outputs } });
  t.false(existsSync(join(jobDir, JOB_REPORT_FILE)));

  const results = await recoverJobs(run, api, site.workdir);
  t.deepEqual(results.map((r) => [r.pandaId, r.action, r.finalUpdateSent]), [[job.pandaId, 'final-update', true]]);
  const report = JSON.parse(await readFile(join(jobDir, JOB_REPORT_FILE), 'utf8')) as JobReport;
  t.is(report.outcome?.finalUpdate, 'sent');
  t.is(report.job.pandaId, job.pandaId);
  t.deepEqual(report.plugins, { experiment: 'generic', runJob: 'normal' });
  t.true(existsSync(join(jobDir, TIMELINE_FILE)));
  t.is(dispatcher.snapshot().jobs.find((j) => j.pandaId === job.pandaId)?.status, 'finished');
});
