import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JOB_REPORT_FILE, PandaClient, SecretRegistry, TIMELINE_FILE, packageRoot, runPilotLoop, writeJobReport } from '../../../core/index.js';
import { demoTaskPath, loadTaskFile, startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';

test('a registered secret that reaches a range diagnostic never reaches job-report.json, timeline.html or the logs', async (t) => {
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  const site = await localSite();
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  // The payload puts the secret into its error messages (a payload echoing a credential).
  const task = {
    ...demo, coreCount: 2,
    inputFiles: demo.inputFiles.map((f) => ({ ...f, events: 4 })),
    payload: { ...demo.payload, jobPars: `${demo.payload.jobPars.replace('--workers=4', '--workers=2')} --errorRate=0.5 --errorDiag=${canary}` },
  };
  const secrets = new SecretRegistry();
  secrets.register(canary);
  const dispatcher = await startDispatcher({ task: await site.placeInputs(task), secrets });
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: dispatcher.url }, eventService: { reportIntervalMs: 20 } })], secrets });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });

  const result = await runPilotLoop({ run: run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  const job = result.jobs[0]!;
  t.truthy(job.report, 'the report was written');
  t.true(job.report!.report.ranges!.failed > 0, 'some ranges failed with the secret in their diagnostic');
  const json = await readFile(join(job.jobDir, JOB_REPORT_FILE), 'utf8');
  const html = await readFile(join(job.jobDir, TIMELINE_FILE), 'utf8');
  for (const [name, text] of [['job-report.json', json], ['timeline.html', html], ['logs', run.lines.join('\n')]] as const) {
    t.false(text.includes(canary), `${name} holds the secret`);
    t.regex(text, /ERR_ATHENAMP_PROCESS:? \*{8}/, `${name} shows the masked diagnostic`);
  }
  // The test can fail: without the mask the secret would be in the report.
  const unmasked = await writeJobReport(job.jobDir);
  t.true((await readFile(unmasked.jsonPath, 'utf8')).includes(canary));
  await writeJobReport(job.jobDir, { mask: (s) => run.secrets.mask(s) });
  t.false((await readFile(unmasked.jsonPath, 'utf8')).includes(canary));
});
