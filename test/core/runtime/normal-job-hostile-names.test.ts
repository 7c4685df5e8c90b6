/**
 * Issue 13's name attacks on a normal job run by the real RunJob (mover-local, file:// SE).
 * The job definition is edited after the client parsed it, so what is tested is the core's
 * own line of defence, whatever the parser lets through. The SE and the job dir sit three
 * folders deep in the test's folder, so every escape would land inside it.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobControlSource, PandaClient, RunJob, bindJob, type JobDefinition, type RunJob as RunJobT } from '../../../core/index.js';
import { startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';

async function setup(t: import('ava').ExecutionContext, jobPars: string) {
  const site = await localSite();
  const se = join(site.root, 'x', 'y', 'z', 'se');
  const jobDir = join(site.workdir, 'a', 'b', 'job');
  await mkdir(se, { recursive: true });
  await mkdir(jobDir, { recursive: true });
  await writeFile(join(se, 'EVNT.1'), 'input\n');
  const dispatcher = await startDispatcher({
    task: {
      taskId: 7301, eventService: false, coreCount: 1, maxAttempts: 1, scope: 'test', firstPandaId: 7301001,
      inputFiles: [{ lfn: 'EVNT.1', guid: 'A1B2C3D4-0000-0000-0000-000000000001', events: 1 }],
      output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1', log: 'log.{taskId}._{pandaId}.job.log.tgz' },
      payload: { transformation: '/bin/sh', jobPars },
    },
  });
  const ddm = { ddmendpoints: { SE: { endpoint: pathToFileURL(se).href }, OS_ES: { endpoint: pathToFileURL(join(site.osDir, 'es')).href }, OS_LOGS: { endpoint: pathToFileURL(join(site.osDir, 'logs')).href } } };
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: dispatcher.url, retries: 1, backoffBaseMs: 10, backoffMaxMs: 50, requestTimeoutMs: 5000 } }, ddm)] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  const parsed = await api.getJob({ siteName: 'TEST_LOCAL' });
  if (!parsed) throw new Error('no job');
  const runJob = (job: JobDefinition) => run.resolver.get<RunJobT>(RunJob, 'normal').run({ job, workdir: jobDir, control: new JobControlSource(), binding: bindJob(run.resolver, job) });
  return { site, se, jobDir, parsed, runJob };
}

test('output LFN ../../../outside/secret.txt: no file outside the job dir is read, nothing is written outside the SE; the job fails with 1303', async (t) => {
  const { site, se, jobDir, parsed, runJob } = await setup(t, `-c 'echo made > HITS.7301._000001.pool.root.1'`);
  // The file the escape would read: one the payload never made, outside the job dir.
  await mkdir(join(site.workdir, 'outside'));
  await writeFile(join(site.workdir, 'outside', 'secret.txt'), 'the secret\n');
  const job = { ...parsed, outputFiles: [{ ...parsed.outputFiles[0]!, lfn: '../../../outside/secret.txt' }] };
  const outcome = await runJob(job);
  t.is(outcome.state, 'failed');
  t.is(outcome.pilotErrorCode, 1303, outcome.pilotErrorDiag);
  t.regex(outcome.pilotErrorDiag ?? '', /outside\/secret\.txt/);
  t.false(existsSync(join(site.root, 'x', 'outside')), 'nothing written outside the SE');
  t.deepEqual((await readdir(se)).filter((n) => !n.startsWith('.') && !n.includes('.job.log.')), ['EVNT.1']);
  t.true(existsSync(join(jobDir, 'HITS.7301._000001.pool.root.1')), 'the payload ran');
});

test('input LFN ../../../planted/evil.sh: nothing is written outside the job dir on stage-in; the job fails with 1303 and the payload never runs', async (t) => {
  const { site, jobDir, parsed, runJob } = await setup(t, `-c 'touch RAN'`);
  // What the escaping stage-in would fetch: a file at the same escape under the SE.
  await mkdir(join(site.root, 'x', 'planted'));
  await writeFile(join(site.root, 'x', 'planted', 'evil.sh'), '#!/bin/sh\necho owned\n');
  const job = { ...parsed, inputFiles: [{ ...parsed.inputFiles[0]!, lfn: '../../../planted/evil.sh', checksum: undefined, size: undefined }] } as JobDefinition;
  const outcome = await runJob(job);
  t.is(outcome.state, 'failed');
  t.is(outcome.pilotErrorCode, 1303, outcome.pilotErrorDiag);
  t.false(existsSync(join(site.workdir, 'planted')), 'nothing written outside the job dir');
  t.false(existsSync(join(jobDir, 'RAN')), 'the payload never ran');
});

test('log LFN ../../../outside/log.tgz: no tarball outside the job dir, nothing outside the SE or the log store; the job fails with 1303', async (t) => {
  const { site, parsed, runJob } = await setup(t, `-c 'echo made > HITS.7301._000001.pool.root.1'`);
  const job = { ...parsed, logFile: { ...parsed.logFile!, lfn: '../../../outside/log.tgz' } };
  const outcome = await runJob(job);
  t.is(outcome.state, 'failed');
  t.is(outcome.pilotErrorCode, 1303, outcome.pilotErrorDiag);
  t.false(existsSync(join(site.workdir, 'outside')), 'no tarball outside the job dir');
  t.false(existsSync(join(site.root, 'x', 'outside')), 'nothing outside the SE');
  t.false(existsSync(join(site.osDir, 'outside')), 'nothing outside the log store');
});
