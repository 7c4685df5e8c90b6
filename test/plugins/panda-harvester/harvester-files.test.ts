/**
 * Each file interaction of the `harvester` PandaApi on its own, with the test playing
 * Harvester's part by hand: the names, forms and timing of Harvester's writes, deletes and
 * renames as shared_file_messenger.py does them.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ErrorCodes, PandaApi, PilotError, type PandaApi as Api } from '../../../core/index.js';
import { EventStatusDump, HarvesterPandaApi, parseHarvesterOptions } from '../../../plugins/panda-harvester/index.js';
import { makeRun } from '../../helpers/make-run.js';
import { tempDir } from '../../helpers/temp-dir.js';

const JOB = { PandaID: 4242, transformation: 'run-payload', jobPars: '--in=x', prodSourceLabel: 'managed', attemptNr: 1, coreCount: 1, outFiles: 'HITS.pool.root.1', logFile: 'log.tgz.1', logGUID: '0A1B2C3D-0000-4000-8000-000000000001' };

async function setup(t: import('ava').ExecutionContext, harvester: Record<string, unknown> = {}) {
  const access = await tempDir('espilot-harvester-');
  const work = await tempDir('espilot-pilot-');
  const run = await makeRun({ cli: { pilot: { workdir: work.path, pluginOptions: { harvester: { submitMode: 'PUSH', workdir: access.path, pollMs: 10, jobWaitS: 2, eventRangesWaitS: 2, ...harvester } } } } });
  t.teardown(async () => { await run.dispose(); await access.remove(); await work.remove(); });
  const api = run.resolver.get<Api>(PandaApi, 'harvester') as HarvesterPandaApi;
  return { access: access.path, work: work.path, run, api, at: (name: string) => join(access.path, name) };
}

const json = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as unknown;

test('the job from pandaJobData.out as Harvester writes it ({PandaID: {…}}); the file is taken away, a copy kept', async (t) => {
  const { api, at, work } = await setup(t);
  await writeFile(at('pandaJobData.out'), JSON.stringify({ 4242: JOB }));
  const job = await api.getJob({ siteName: 'X' });
  t.is(job?.pandaId, '4242');
  t.false(existsSync(at('pandaJobData.out')));
  t.deepEqual(await json(join(work, 'job_definition.json')), { 4242: JOB });
});

test('the job in form-encoded form (jobSpecFileFormat cgi), from --harvester-datadir', async (t) => {
  const data = await tempDir('espilot-data-');
  t.teardown(() => data.remove());
  const { api } = await setup(t, { datadir: data.path });
  await writeFile(join(data.path, 'pandaJobData.out'), new URLSearchParams(Object.entries(JOB).map(([k, v]): [string, string] => [k, String(v)])).toString());
  t.is((await api.getJob({ siteName: 'X' }))?.pandaId, '4242');
});

test('the second job is asked for with worker_requestjob.json {"nJobs": 1}, read once Harvester removed the request', async (t) => {
  const { api, at } = await setup(t);
  await writeFile(at('pandaJobData.out'), JSON.stringify({ 4242: JOB }));
  await api.getJob({ siteName: 'X' });
  const second = api.getJob({ siteName: 'X' });
  await waitForFile(at('worker_requestjob.json'));
  t.deepEqual(await json(at('worker_requestjob.json')), { nJobs: 1 });
  // Harvester's feed_jobs: the job file (not atomically), then the request is removed.
  await writeFile(at('pandaJobData.out'), JSON.stringify({ 4243: { ...JOB, PandaID: 4243 } }).slice(0, 10));
  await sleep(50);
  await writeFile(at('pandaJobData.out'), JSON.stringify({ 4243: { ...JOB, PandaID: 4243 } }));
  await rm(at('worker_requestjob.json'));
  t.is((await second)?.pandaId, '4243');
});

test('no job file within jobWaitS: a clear error naming the file; no further job after a request: none, request withdrawn', async (t) => {
  const { api, at } = await setup(t, { jobWaitS: 0.1 });
  const err = await t.throwsAsync(api.getJob({ siteName: 'X' }), { instanceOf: PilotError });
  t.regex(err!.message, /pandaJobData\.out within 0\.1 s/);
  await writeFile(at('pandaJobData.out'), JSON.stringify({ 4242: JOB }));
  await api.getJob({ siteName: 'X' });
  t.is(await api.getJob({ siteName: 'X' }), undefined);
  t.false(existsSync(at('worker_requestjob.json')));
});

test('a job file that is not JSON {PandaID: {…}}: ConfigError naming the file', async (t) => {
  const { api, at } = await setup(t);
  await writeFile(at('pandaJobData.out'), '{"4242": {"PandaID": 4242');
  const err = await t.throwsAsync(api.getJob({ siteName: 'X' }), { instanceOf: ConfigError });
  t.is(err!.code, ErrorCodes.CONVERSIONFAILURE);
  t.regex(err!.message, /pandaJobData\.out: expected JSON \{PandaID: \{job fields\}\}, got text that is not JSON/);
});

test('event ranges: worker_requestevents.json as Harvester reads it; JobsEventRanges.json read only after the request is gone; an empty list means no more', async (t) => {
  const { api, at } = await setup(t);
  const pending = api.getEventRanges({ pandaId: '4242', taskId: '77', jobsetId: '78', nRanges: 4 });
  await waitForFile(at('worker_requestevents.json'));
  t.deepEqual(await json(at('worker_requestevents.json')), { 4242: { nRanges: 4, pandaID: 4242, taskID: 77, jobsetID: 78 } });
  // feed_events: the ranges file half written; the pilot must not read it while the request is there.
  const ranges = JSON.stringify({ 4242: [{ eventRangeID: '77-78-1-1-1', startEvent: 1, lastEvent: 1, LFN: 'EVNT.1', GUID: '0A1B2C3D-0000-4000-8000-000000000002', scope: 'mc' }] });
  await writeFile(at('JobsEventRanges.json'), ranges.slice(0, 20));
  await sleep(100);
  await writeFile(at('JobsEventRanges.json'), ranges);
  await rm(at('worker_requestevents.json'));
  const got = await pending;
  t.deepEqual(got.map((r) => r.id), ['77-78-1-1-1']);
  t.false(existsSync(at('JobsEventRanges.json')), 'moved aside, so the next feed never meets it');

  const last = api.getEventRanges({ pandaId: '4242', nRanges: 4 });
  await waitForFile(at('worker_requestevents.json'));
  await writeFile(at('JobsEventRanges.json'), JSON.stringify({ 4242: [] }));
  await rm(at('worker_requestevents.json'));
  t.deepEqual(await last, []);
});

test('malformed JobsEventRanges.json, or none for this job: ConfigError naming the file; no answer: a deadline error naming both files', async (t) => {
  const { api, at } = await setup(t, { eventRangesWaitS: 0.2 });
  await writeFile(at('JobsEventRanges.json'), '{"4242": [{"eventRangeID": ');
  const bad = await t.throwsAsync(api.getEventRanges({ pandaId: '4242', nRanges: 1 }), { instanceOf: ConfigError });
  t.regex(bad!.message, /JobsEventRanges\.json: expected JSON \{PandaID: \[event ranges\]\}, got text that is not JSON/);
  await writeFile(at('JobsEventRanges.json'), JSON.stringify({ 999: [] }));
  const other = await t.throwsAsync(api.getEventRanges({ pandaId: '4242', nRanges: 1 }), { instanceOf: ConfigError });
  t.regex(other!.message, /expected an entry for PandaID 4242, got PandaIDs \["999"\]/);
  const late = await t.throwsAsync(api.getEventRanges({ pandaId: '4242', nRanges: 1 }), { instanceOf: PilotError });
  t.true(late!.recoverable);
  t.regex(late!.message, /event ranges in .*JobsEventRanges\.json for .*worker_requestevents\.json within 0\.2 s/);
});

test('range outcomes are merged into an unread dump, never written over it; a .read in flight is left alone; worker_updateevents.json never written', async (t) => {
  const { api, at } = await setup(t);
  // A dump Harvester has not taken yet (the log, from an earlier update) and one it is reading.
  await writeFile(at('event_status.dump.json'), JSON.stringify({ 4242: [{ type: 'log', path: '/x/log.tgz', guid: 'G', fsize: 3, chksum: '0badcafe' }] }));
  await writeFile(at('event_status.dump.json.read'), JSON.stringify({ 4242: [{ eventRangeID: 'r0', eventStatus: 'finished' }] }));
  const res = await api.updateEventRanges([
    { eventRangeId: 'r1', eventStatus: 'finished' }, { eventRangeId: 'r2', eventStatus: 'failed', errorCode: 1220 }, { eventRangeId: 'r3', eventStatus: 'running' },
  ], '4242');
  t.deepEqual(res.results, [true, true, null]);
  t.deepEqual(await json(at('event_status.dump.json')), { 4242: [
    { type: 'log', path: '/x/log.tgz', guid: 'G', fsize: 3, chksum: '0badcafe' },
    { eventRangeID: 'r1', eventStatus: 'finished' }, { eventRangeID: 'r2', eventStatus: 'failed' },
  ] });
  t.deepEqual(await json(at('event_status.dump.json.read')), { 4242: [{ eventRangeID: 'r0', eventStatus: 'finished' }] });
  t.false(existsSync(at('worker_updateevents.json')));
  t.deepEqual((await readdir(at('.'))).filter((n) => n.includes('claim') || n.includes('tmp')), [], 'no claim or temp file left');
});

test('a claim left by a pilot that died while merging is merged by the next write', async (t) => {
  const { at, run } = await setup(t);
  await writeFile(at('.event_status.dump.json.claim-1-2-x'), JSON.stringify({ 4242: [{ eventRangeID: 'r1', eventStatus: 'finished' }] }));
  const dump = new EventStatusDump(at('event_status.dump.json'), run.logger);
  await dump.append('4242', [{ eventRangeID: 'r2', eventStatus: 'finished' }]);
  t.deepEqual(await json(at('event_status.dump.json')), { 4242: [{ eventRangeID: 'r1', eventStatus: 'finished' }, { eventRangeID: 'r2', eventStatus: 'finished' }] });
  t.false(existsSync(at('.event_status.dump.json.claim-1-2-x')));
});

test('an unread dump that is not {PandaID: [objects]}: ConfigError naming the file, the entries kept aside', async (t) => {
  const { api, at } = await setup(t);
  await writeFile(at('event_status.dump.json'), '[1, 2]');
  const err = await t.throwsAsync(api.updateEventRanges([{ eventRangeId: 'r1', eventStatus: 'finished' }], '4242'), { instanceOf: ConfigError });
  t.regex(err!.message, /event_status\.dump\.json\.claim-.*: expected an object \{PandaID: \[entries\]\}, got an array of 2/);
});

test('the final update: the log in the dump, jobReport.json without logfileReport, worker_attributes.json last and without xml', async (t) => {
  const { api, at } = await setup(t);
  const metaData = JSON.stringify({ exitCode: 0, executor: [{ name: 'EVNTtoHITS', logfileReport: { big: 1 } }] });
  await api.updateJob({
    pandaId: '4242', state: 'finished', transExitCode: 0, metaData,
    outputFiles: [{ lfn: 'log.tgz.1', kind: 'log', guid: 'G', size: 10, checksum: 'ad:0badcafe', surl: 'file:///se/log.tgz.1' }],
  });
  t.deepEqual(await json(at('event_status.dump.json')), { 4242: [{ type: 'log', path: '/se/log.tgz.1', guid: 'G', fsize: 10, chksum: '0badcafe' }] });
  t.deepEqual(await json(at('jobReport.json')), { exitCode: 0, executor: [{ name: 'EVNTtoHITS', logfileReport: {} }] });
  const attrs = await json(at('worker_attributes.json')) as Record<string, unknown>;
  t.like(attrs, { jobId: '4242', state: 'finished', jobStatus: 'finished', transExitCode: 0 });
  t.false('xml' in attrs);
  t.regex(String(attrs['timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
});

test('the kill file at exit: pilot3\'s name kill_worker by default, Harvester\'s kill_worker.json when configured', async (t) => {
  const a = await setup(t);
  t.false(existsSync(a.at('kill_worker')));
  await a.run.dispose();
  t.true(existsSync(a.at('kill_worker')));
  const b = await setup(t, { files: { killWorker: 'kill_worker.json' } });
  await b.run.dispose();
  t.true(existsSync(b.at('kill_worker.json')));
  t.false(existsSync(b.at('kill_worker')));
});

test('options: PUSH needs the workdir; file names are plain and distinct; zipped outputs refused', async (t) => {
  t.throws(() => parseHarvesterOptions({ submitMode: 'PUSH' }), { message: /workdir: expected Harvester's access point/ });
  t.throws(() => parseHarvesterOptions({ workdir: '/a', files: { killWorker: 'x/kill' } }), { message: /files\.killWorker: expected a plain file name/ });
  t.throws(() => parseHarvesterOptions({ workdir: '/a', files: { eventStatusDump: 'worker_updateevents.json' } }), { message: /files\.updateEvents: expected a name of its own/ });
  t.throws(() => parseHarvesterOptions({ workdir: 'rel' }), { message: /workdir: expected an absolute path/ });
  const access = await tempDir();
  t.teardown(() => access.remove());
  const run = await makeRun({ cli: { pilot: { eventService: { zipOutputs: { enabled: true } }, pluginOptions: { harvester: { submitMode: 'PUSH', workdir: access.path } } } } });
  t.teardown(() => run.dispose());
  t.throws(() => run.resolver.get(PandaApi, 'harvester'), { message: /zipOutputs\.enabled: expected false with the harvester PandaApi/ });
});

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 500 && !existsSync(path); i++) await sleep(10);
  if (!existsSync(path)) throw new Error(`the pilot never wrote ${path} (waited 5 s)`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
