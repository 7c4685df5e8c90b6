/**
 * The life of a task through the embedded dispatcher, driven over HTTP by the real client:
 * ES consumers, guarded range updates, the server-side close (retry with a new consumer,
 * waiting for others, merge job generation, attempts running out).
 */
import test, { type ExecutionContext } from 'ava';
import { PILOT_DEFAULTS, PandaClient, SecretRegistry, type EventRange, type JobDefinition, type ServerSettings, type StoredOutput } from '../../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../../plugins/panda-local/index.js';

const settings: ServerSettings = { ...PILOT_DEFAULTS.server, auth: 'none', retries: 0, requestTimeoutMs: 5000 };

const smallTask = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  taskId: 77, eventService: true, coreCount: 2, eventsPerRange: 1, maxAttempts: 3, scope: 'mc_t',
  inputFiles: [{ lfn: 'EVNT.77._1', guid: '0A1B2C3D-0000-4000-8000-000000000001', events: 3 }, { lfn: 'EVNT.77._2', guid: '0A1B2C3D-0000-4000-8000-000000000002', events: 3, fileId: 20 }],
  output: { lfn: 'HITS.{taskId}._{serial}.root' },
  payload: { transformation: 'node', jobPars: 'sim.js --outputFile={outputLFN}' },
  merge: { transformation: 'node', jobPars: 'merge.js --inputFile=@inputFor_{outputLFN} --outputFile={outputLFN}' },
  ...over,
});

async function open(t: ExecutionContext, task: Record<string, unknown>): Promise<{ d: DispatcherHandle; c: PandaClient }> {
  const d = await startDispatcher({ task });
  const c = new PandaClient({ server: { ...settings, url: d.url }, secrets: new SecretRegistry(), env: {} });
  t.teardown(async () => { c.close(); await d.stop(); });
  return { d, c };
}

/** What a pilot that stored every output and the log of `job` lists in its final xml. */
const storedAll = (job: JobDefinition): StoredOutput[] => [
  ...job.outputFiles.map((f) => ({ lfn: f.lfn, kind: 'output' as const, guid: `G-${f.lfn}`, size: 10, checksum: 'ad:0000000a', surl: `file:///se/${f.lfn}` })),
  ...(job.logFile ? [{ lfn: job.logFile.lfn, kind: 'log' as const, guid: job.logFile.guid!, size: 20, checksum: 'ad:00000014', surl: `file:///se/${job.logFile.lfn}` }] : []),
];

const finish = (ranges: readonly EventRange[]) => ranges.map((r) => ({ eventRangeId: r.id, eventStatus: 'finished' as const }));

test('an ES task: duplicates, unknown IDs, release with one attempt less, a new consumer, then the merge job', async (t) => {
  const { d, c } = await open(t, smallTask());
  const j1 = (await c.getJob({ siteName: 'S' }))!;
  t.true(j1.eventService);
  const [r1, r2, r3, r4] = await c.getEventRanges({ pandaId: j1.pandaId, jobsetId: j1.jobsetId!, nRanges: 4 });
  t.is(r1!.id, `77-${j1.pandaId}-1-1-3`);
  t.is(r4!.id, `77-${j1.pandaId}-20-1-3`, 'the task fileId is used');

  const res = await c.updateEventRanges([
    { eventRangeId: r1!.id, eventStatus: 'finished' },
    { eventRangeId: r1!.id, eventStatus: 'finished' },
    { eventRangeId: r1!.id, eventStatus: 'failed' },
    { eventRangeId: r2!.id, eventStatus: 'failed', errorCode: 1137 },
    { eventRangeId: r3!.id, eventStatus: 'running' },
    { eventRangeId: `77-999-1-1-3`, eventStatus: 'finished' },
    { eventRangeId: 'not-an-id', eventStatus: 'finished' },
    { eventRangeId: r3!.id, eventStatus: 'done' as never },
  ], j1.pandaId);
  t.deepEqual(res.results, [true, true, true, true, null, false, false, false]);
  let s = d.snapshot();
  t.deepEqual(s.rangeUpdates.map((u) => u.outcome), ['applied', 'noop', 'noop', 'applied', 'ignored', 'rejected', 'rejected', 'rejected']);
  t.deepEqual(s.rangeUpdates.slice(5).map((u) => u.reason), ['unknown PandaID 999', 'wrongly formatted eventRangeID', 'unknown status "done"']);
  const byKey = new Map(s.ranges.map((r) => [r.key, r]));
  t.like(byKey.get('1-1'), { status: 'finished', attemptNr: 3, pandaId: j1.pandaId });
  t.like(byKey.get('1-2'), { status: 'failed', attemptNr: 3, report: { errorCode: 1137 } });
  t.like(byKey.get('1-3'), { status: 'sent' });

  t.deepEqual(await c.updateJob({ pandaId: j1.pandaId, state: 'failed', pilotErrorCode: 1137 }), []);
  s = d.snapshot();
  t.like(s.jobs[0], { pandaId: j1.pandaId, status: 'closed', reportedState: 'failed', pilotErrorCode: 1137, closeCode: 111 });
  t.deepEqual(s.ranges.map((r) => [r.key, r.status, r.attemptNr]), [
    ['1-1', 'done', 3], ['1-2', 'ready', 2], ['1-3', 'ready', 2], ['20-1', 'ready', 2], ['20-2', 'ready', 3], ['20-3', 'ready', 3],
  ]);
  t.deepEqual((await c.updateEventRanges([{ eventRangeId: r4!.id, eventStatus: 'finished' }])).results, [false], 'a closed job cannot report');
  t.deepEqual(await c.updateJob({ pandaId: j1.pandaId, state: 'running' }), ['tobekilled']);

  const j2 = (await c.getJob({ siteName: 'S' }))!;
  t.is(j2.attemptNr, 2);
  t.is(j2.jobsetId, j1.jobsetId);
  const second = await c.getEventRanges({ pandaId: j2.pandaId, jobsetId: j2.jobsetId!, nRanges: 10 });
  t.deepEqual(second.map((r) => r.id), [`77-${j2.pandaId}-1-2-2`, `77-${j2.pandaId}-1-3-2`, `77-${j2.pandaId}-20-1-2`, `77-${j2.pandaId}-20-2-3`, `77-${j2.pandaId}-20-3-3`]);
  t.deepEqual(await c.getEventRanges({ pandaId: j2.pandaId, jobsetId: j2.jobsetId!, nRanges: 10 }), [], 'none left');
  t.deepEqual((await c.updateEventRanges(finish(second), j2.pandaId)).results, [true, true, true, true, true]);
  await c.updateJob({ pandaId: j2.pandaId, state: 'finished', nEvents: 5 });

  s = d.snapshot();
  t.is(s.task.status, 'merging');
  t.like(s.jobs[1], { pandaId: j2.pandaId, closeCode: 112, nEvents: 5 });
  const merge = (await c.getJob({ siteName: 'S' }))!;
  t.true(merge.eventServiceMerge);
  t.false(merge.eventService);
  t.is(merge.coreCount, 1);
  const out = 'HITS.77._000001.root';
  const inputs = [r1!.id, ...second.map((r) => r.id)].map((id) => `${out}.${id}`);
  t.deepEqual(merge.writeToFile, [{ name: out, inputs }]);
  t.deepEqual(merge.inputFiles.map((f) => f.lfn), inputs);
  t.is(merge.jobParameters, `merge.js --inputFile=@inputFor_${out} --outputFile=${out}`);
  t.deepEqual(merge.outputFiles.map((f) => f.lfn), [out]);
  const registered = d.snapshot().files.filter((f) => f.type === 'es-output');
  t.deepEqual(inputs.filter((lfn) => !registered.some((f) => f.lfn === lfn)), [], 'every merge input is a registered range output');
  await c.updateJob({ pandaId: merge.pandaId, state: 'finished' });
  t.like(d.snapshot().jobs.find((j) => j.pandaId === merge.pandaId), { status: 'failed', ddmErrorCode: 200 }, 'a merge job without xml is failed by the Adder');
  const merge2 = (await c.getJob({ siteName: 'S' }))!;
  t.deepEqual(merge2.writeToFile, merge.writeToFile);
  await c.updateJob({ pandaId: merge2.pandaId, state: 'finished', outputFiles: storedAll(merge2) });
  t.is(d.snapshot().task.status, 'done');
  t.like(d.snapshot().files.find((f) => f.pandaId === merge2.pandaId && f.type === 'output'), { lfn: out, surl: `file:///se/${out}` });
  t.is(await c.getJob({ siteName: 'S' }), undefined);
});

test('fatal uses up the retries: the task fails with no merge job', async (t) => {
  const { d, c } = await open(t, smallTask({ inputFiles: [{ lfn: 'E', guid: '0A1B2C3D-0000-4000-8000-000000000003', events: 2 }] }));
  const j = (await c.getJob({ siteName: 'S' }))!;
  const [a, b] = await c.getEventRanges({ pandaId: j.pandaId, jobsetId: j.jobsetId!, nRanges: 5 });
  t.deepEqual((await c.updateEventRanges([{ eventRangeId: a!.id, eventStatus: 'fatal', errorCode: 1228 }, { eventRangeId: b!.id, eventStatus: 'finished' }])).results, [true, true]);
  t.like(d.snapshot().ranges[0], { status: 'failed', attemptNr: 1 });
  await c.updateJob({ pandaId: j.pandaId, state: 'failed' });
  const s = d.snapshot();
  t.like(s.ranges[0], { status: 'failed', attemptNr: 0, exhausted: true });
  t.like(s.jobs[0], { closeCode: 114 });
  t.like(s.task, { status: 'failed', counts: { done: 1, failed: 1, exhausted: 1 } });
  t.is(s.jobs.length, 1);
  t.is(await c.getJob({ siteName: 'S' }), undefined);
});

test('several consumers: one closes while others hold ranges, unused ones are killed at the end', async (t) => {
  const { d, c } = await open(t, smallTask({ consumers: 3 }));
  const a = (await c.getJob({ siteName: 'S' }))!;
  const b = (await c.getJob({ siteName: 'S' }))!;
  const ra = await c.getEventRanges({ pandaId: a.pandaId, jobsetId: a.jobsetId!, nRanges: 2 });
  const rb = await c.getEventRanges({ pandaId: b.pandaId, jobsetId: b.jobsetId!, nRanges: 10 });
  t.is(rb.length, 4);
  await c.updateEventRanges(finish(ra));
  await c.updateJob({ pandaId: a.pandaId, state: 'finished' });
  t.like(d.snapshot().jobs[0], { status: 'closed', closeCode: 115 });
  await c.updateEventRanges(finish(rb));
  await c.updateJob({ pandaId: b.pandaId, state: 'finished' });
  const s = d.snapshot();
  t.deepEqual(s.jobs.map((j) => [j.kind, j.status, j.closeCode]), [['es', 'closed', 115], ['es', 'closed', 112], ['es', 'cancelled', 116], ['merge', 'activated', undefined]]);
  t.is(s.jobs[2]!.command, 'tobekilled');
  t.is(s.dispatches.length, 2);
});

test('a normal task: one job per input file, a failed job is retried, then done', async (t) => {
  const { d, c } = await open(t, smallTask({ eventService: false, maxAttempts: 2 }));
  const j1 = (await c.getJob({ siteName: 'S' }))!;
  const j2 = (await c.getJob({ siteName: 'S' }))!;
  t.false(j1.eventService);
  t.deepEqual([j1.inputFiles[0]!.lfn, j2.inputFiles[0]!.lfn], ['EVNT.77._1', 'EVNT.77._2']);
  t.deepEqual([j1.outputFiles[0]!.lfn, j2.outputFiles[0]!.lfn], ['HITS.77._000001.root', 'HITS.77._000002.root']);
  await c.updateJob({ pandaId: j1.pandaId, state: 'finished', outputFiles: storedAll(j1).map((f) => ({ ...f, ddmEndpoint: 'SITE_DATADISK', dataset: 'mc_t.HITS' })) });
  await c.updateJob({ pandaId: j2.pandaId, state: 'failed', pilotErrorCode: 1099 });
  const retry = (await c.getJob({ siteName: 'S' }))!;
  t.is(retry.attemptNr, 2);
  t.is(retry.outputFiles[0]!.lfn, 'HITS.77._000002.root');
  t.is(d.snapshot().task.status, 'running');
  await c.updateJob({ pandaId: retry.pandaId, state: 'finished', outputFiles: storedAll(retry) });
  const s = d.snapshot();
  t.is(s.task.status, 'done');
  t.deepEqual(s.files.map((f) => [f.pandaId, f.type, f.lfn]), [
    [j1.pandaId, 'output', 'HITS.77._000001.root'], [j1.pandaId, 'log', j1.logFile!.lfn],
    [retry.pandaId, 'output', 'HITS.77._000002.root'], [retry.pandaId, 'log', retry.logFile!.lfn],
  ]);
  t.like(s.files[0], { guid: 'G-HITS.77._000001.root', fsize: 10, checksum: 'ad:0000000a', surl: 'file:///se/HITS.77._000001.root', dataset: 'mc_t.HITS', endpoint: ['SITE_DATADISK'] });
});

test('the Adder: a finished job whose xml lacks an output, or has none, is failed with ddmErrorCode 200 and retried', async (t) => {
  const { d, c } = await open(t, smallTask({ eventService: false, maxAttempts: 3 }));
  const j1 = (await c.getJob({ siteName: 'S' }))!;
  const j2 = (await c.getJob({ siteName: 'S' }))!;
  t.deepEqual(await c.updateJob({ pandaId: j1.pandaId, state: 'finished', outputFiles: storedAll(j1).filter((f) => f.kind === 'log') }), [], 'the update itself is accepted (StatusCode 0)');
  await c.updateJob({ pandaId: j2.pandaId, state: 'finished' });
  let s = d.snapshot();
  t.like(s.jobs[0], { status: 'failed', ddmErrorCode: 200, ddmErrorDiag: `expected output ${j1.outputFiles[0]!.lfn} is missing in pilot XML` });
  t.like(s.jobs[1], { status: 'failed', ddmErrorCode: 200, ddmErrorDiag: 'Could not get GUID/LFN/MD5/FSIZE/SURL from pilot XML' });
  t.deepEqual(s.files.map((f) => [f.pandaId, f.type]), [[j1.pandaId, 'log']], 'a failed job registers its log only');
  const [r1, r2] = [(await c.getJob({ siteName: 'S' }))!, (await c.getJob({ siteName: 'S' }))!];
  t.deepEqual([r1.attemptNr, r2.attemptNr], [2, 2]);
  // An entry without size or checksum is unreadable for the Adder; an LFN the job does not have is inconsistent.
  await c.call('updateJob', { jobId: r1.pandaId, state: 'finished', xml: JSON.stringify({ [r1.outputFiles[0]!.lfn]: { guid: 'G' } }) });
  await c.call('updateJob', { jobId: r2.pandaId, state: 'finished', xml: JSON.stringify({ 'OTHER.file': { guid: 'G', fsize: 1, adler32: '00000001' } }) });
  s = d.snapshot();
  t.like(s.jobs.find((j) => j.pandaId === r1.pandaId), { status: 'failed', ddmErrorCode: 200, ddmErrorDiag: 'Could not get GUID/LFN/MD5/FSIZE/SURL from pilot XML' });
  t.like(s.jobs.find((j) => j.pandaId === r2.pandaId), { status: 'failed', ddmErrorCode: 200, ddmErrorDiag: 'pilot produced OTHER.file inconsistently with jobdef' });
  // A payload failure is not blamed on the xml.
  const r3 = (await c.getJob({ siteName: 'S' }))!;
  await c.updateJob({ pandaId: r3.pandaId, state: 'finished', pilotErrorCode: 1305 });
  const j3 = d.snapshot().jobs.find((j) => j.pandaId === r3.pandaId)!;
  t.is(j3.status, 'failed');
  t.is(j3.ddmErrorCode, undefined);
});

test('the Adder reads PoolFileCatalog XML too (ps-2015 form)', async (t) => {
  const d = await startDispatcher({ task: smallTask({ eventService: false }), profile: 'ps-2015' });
  const c = new PandaClient({ server: { ...settings, url: d.url, profile: 'ps-2015' }, secrets: new SecretRegistry(), env: {} });
  t.teardown(async () => { c.close(); await d.stop(); });
  const j = (await c.getJob({ siteName: 'S', jobType: 'managed', resourceType: 'MCORE' }))!;
  await c.updateJob({ pandaId: j.pandaId, state: 'finished', outputFiles: storedAll(j).map((f) => ({ ...f, dataset: 'mc.ds', ddmEndpoint: 'CERN_DATADISK' })) });
  const s = d.snapshot();
  t.is(s.jobs[0]!.status, 'finished');
  t.like(s.files[0], { lfn: j.outputFiles[0]!.lfn, guid: `G-${j.outputFiles[0]!.lfn}`, fsize: 10, checksum: 'ad:0000000a', surl: `file:///se/${j.outputFiles[0]!.lfn}`, dataset: 'mc.ds', endpoint: ['CERN_DATADISK'] });
});

test('bad tasks are refused naming every bad field', async (t) => {
  await t.throwsAsync(startDispatcher({ task: smallTask({ inputFiles: [{ lfn: 'E', events: 0 }], coreCount: 'x', merge: undefined }) }), {
    message: /task\.inputFiles\[0\]\.guid: expected the input file GUID, got nothing.*task\.inputFiles\[0\]\.events: expected an integer ≥ 1, got number 0.*task\.coreCount: expected an integer from 1 to 1024, got "x".*task\.merge\.transformation: expected the transformation/,
  });
  await t.throwsAsync(startDispatcher({ task: '/nonexistent/task.json' }), { message: /task: expected a readable JSON task file/ });
});
