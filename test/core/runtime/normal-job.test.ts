import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobControlSource, PandaClient, adler32, formatAdler32, runPilotLoop } from '../../../core/index.js';
import { startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { reply, startMisbehavingServer } from '../../helpers/misbehaving-server.js';
import { makeRun } from '../../helpers/make-run.js';

const INPUT = Buffer.from('event data of file one\n'.repeat(1000));

function normalTask(jobPars: string, extraJob: Record<string, unknown> = {}) {
  return {
    taskId: 7001, eventService: false, coreCount: 1, maxAttempts: 2, scope: 'test', firstPandaId: 7001001,
    inputFiles: [{ lfn: 'EVNT.7001._000001.pool.root.1', guid: 'A1B2C3D4-0000-0000-0000-000000000001', events: 10, size: INPUT.length, checksum: `ad:${formatAdler32(adler32(INPUT))}` }],
    output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1', log: 'log.{taskId}._{pandaId}.job.log.tgz' },
    payload: { transformation: '/bin/sh', jobPars },
    job: extraJob,
  };
}

async function setup(t: import('ava').ExecutionContext, jobPars: string, extraJob: Record<string, unknown> = {}) {
  const site = await localSite();
  await writeFile(join(site.seDir, 'EVNT.7001._000001.pool.root.1'), INPUT);
  const dispatcher = await startDispatcher({ task: normalTask(jobPars, extraJob) });
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: dispatcher.url, retries: 2, backoffBaseMs: 10, backoffMaxMs: 50, requestTimeoutMs: 5000 } })] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  return { site, dispatcher, run, api };
}

test('a normal job end to end through mover-local: stage-in verified, payload, output and log stored, final update', async (t) => {
  const { site, dispatcher, run, api } = await setup(t, `-c 'cat EVNT.7001._000001.pool.root.1 EVNT.7001._000001.pool.root.1 > HITS.7001._000001.pool.root.1; echo "{\\"exitCode\\": 0, \\"nEvents\\": 10}" > jobReport.json'`);
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 5, handleSignals: false });
  t.is(result.ended, 'no-job');
  t.is(result.jobs.length, 1);
  const job = result.jobs[0]!;
  t.is(job.outcome.state, 'finished', job.outcome.pilotErrorDiag);
  t.true(job.finalUpdateSent);
  const stored = await readFile(join(site.seDir, 'HITS.7001._000001.pool.root.1'));
  t.true(stored.equals(Buffer.concat([INPUT, INPUT])), 'output stored byte for byte');
  const logs = (await readdir(site.seDir)).filter((n) => n.endsWith('.job.log.tgz'));
  t.is(logs.length, 1, 'log tarball stored');
  // The dispatcher's own records: running heartbeat, then one final update with state finished.
  const snap = dispatcher.snapshot();
  const updates = snap.jobUpdates.filter((u) => u.pandaId === job.pandaId);
  t.true(updates.some((u) => u.state === 'running'));
  const finals = updates.filter((u) => u.state === 'finished' || u.state === 'failed');
  t.is(finals.length, 1);
  t.is(finals[0]!.state, 'finished');
  // The server's Adder registered the output and the log from the final update's xml.
  t.is(snap.jobs.find((j) => j.pandaId === job.pandaId)!.status, 'finished');
  const hits = 'HITS.7001._000001.pool.root.1';
  const files = snap.files.filter((f) => f.pandaId === job.pandaId);
  t.deepEqual(files.map((f) => [f.type, f.lfn]), [['output', hits], ['log', logs[0]]]);
  t.like(files[0], { fsize: stored.length, checksum: `ad:${formatAdler32(adler32(stored))}`, surl: `file://${join(site.seDir, hits)}` });
  t.regex(files[0]!.guid!, /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  t.is(files[1]!.guid, snap.jobs[0]!.definition['logGUID']);
  t.is(snap.task.status, 'done');
  const state = JSON.parse(await readFile(join(job.jobDir, `jobState-${job.pandaId}.json`), 'utf8'));
  t.is(state.finalUpdate, 'sent');
  t.is(state.job.userProxy, undefined);
  t.is(state.outcome.metaData, '{"exitCode": 0, "nEvents": 10}\n', 'the payload\'s jobReport.json goes out as metaData');
});

test('a failing payload: failed with 1305, the log still stored, no output stored', async (t) => {
  const { site, run, api, dispatcher } = await setup(t, `-c 'echo broken >&2; exit 3'`);
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const out = result.jobs[0]!.outcome;
  t.is(out.state, 'failed');
  t.is(out.pilotErrorCode, 1305);
  t.is(out.transExitCode, 3);
  t.false(existsSync(join(site.seDir, 'HITS.7001._000001.pool.root.1')));
  t.is((await readdir(site.seDir)).filter((n) => n.endsWith('.job.log.tgz')).length, 1);
  const final = dispatcher.snapshot().jobUpdates.find((u) => u.state === 'failed');
  t.is(final?.pilotErrorCode, 1305);
  t.deepEqual(dispatcher.snapshot().files.map((f) => f.type), ['log'], 'a failed job registers its log only');
});

test('a corrupt input is refused (1171) and the payload never runs', async (t) => {
  const { site, run, api } = await setup(t, `-c 'touch RAN; cp EVNT.7001._000001.pool.root.1 HITS.7001._000001.pool.root.1'`);
  const evil = Buffer.from(INPUT);
  evil[5] = 0x21;
  await writeFile(join(site.seDir, 'EVNT.7001._000001.pool.root.1'), evil);
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const j = result.jobs[0]!;
  t.is(j.outcome.state, 'failed');
  t.is(j.outcome.pilotErrorCode, 1171);
  t.false(existsSync(join(j.jobDir, 'RAN')));
});

test('tobekilled from the server kills the payload; failed with 1144', async (t) => {
  const { run, api, dispatcher } = await setup(t, `-c 'sleep 30'`);
  const control = new JobControlSource();
  const loop = runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false, control });
  // Heartbeats carry the command; the test shortens the wait by asking directly through the control.
  await new Promise((r) => setTimeout(r, 800));
  const pandaId = dispatcher.snapshot().jobs[0]!.pandaId;
  dispatcher.command(pandaId, 'tobekilled');
  control.applyServerCommands(await api.updateJob({ pandaId, state: 'running' }), run.logger);
  const result = await loop;
  t.is(result.jobs[0]!.outcome.state, 'failed');
  t.is(result.jobs[0]!.outcome.pilotErrorCode, 1144);
});

test('a bad job definition is reported failed with a clear diagnostic; the pilot goes on', async (t) => {
  // A server whose getJob reply has an fsize list that does not parse (the embedded dispatcher only makes valid jobs).
  const site = await localSite();
  const server = await startMisbehavingServer();
  const bad = new URLSearchParams({
    StatusCode: '0', PandaID: '424242', prodSourceLabel: 'managed', transformation: '/bin/true', jobPars: '', attemptNr: '1',
    inFiles: 'a,b', GUID: '0A1B2C3D-0000-4000-8000-000000000001,0A1B2C3D-0000-4000-8000-000000000002', fsize: '12,not-a-size', checksum: 'ad:00000001,ad:00000001', scopeIn: 's,s', outFiles: 'log.tgz', logFile: 'log.tgz', logGUID: '0A1B2C3D-0000-4000-8000-000000000003',
  }).toString();
  server.script(
    reply((req) => (req.path.endsWith('/getJob') ? bad : 'StatusCode=0&command=NULL')),
    reply((req) => (req.path.endsWith('/getJob') ? 'StatusCode=20' : 'StatusCode=0&command=NULL')),
  );
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: server.url, retries: 0 } })] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await server.close(); await site.remove(); });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 3, handleSignals: false });
  t.is(result.jobs.length, 0);
  t.is(result.rejected.length, 1);
  t.is(result.rejected[0]!.pandaId, '424242');
  t.is(result.rejected[0]!.code, 1302);
  t.regex(result.rejected[0]!.diagnostic, /job\.fsize\[1\]: expected an integer/);
  t.is(result.ended, 'no-job', 'the pilot asked for the next job');
  const update = server.requests.find((r) => r.path.endsWith('/updateJob'));
  const form = new URLSearchParams(update?.body ?? '');
  t.is(form.get('jobId'), '424242');
  t.is(form.get('state'), 'failed');
  t.is(form.get('pilotErrorCode'), '1302');
  t.regex(form.get('pilotErrorDiag') ?? '', /fsize/);
});
