/**
 * The embedded dispatcher as a real pilot sees panda-server: pilot3's request shape (gzipped
 * JSON without Content-Encoding), the server's parameter names (HTTP 500 naming an unknown or
 * missing one), per server generation, and updateEventRanges versions 0, 1 and 2.
 */
import test, { type ExecutionContext } from 'ava';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { PILOT_DEFAULTS, PandaClient, SecretRegistry, type ServerSettings } from '../../../core/index.js';
import { startDispatcher, type DispatcherHandle, type ServerProfile } from '../../../plugins/panda-local/index.js';

const settings: ServerSettings = { ...PILOT_DEFAULTS.server, auth: 'none', retries: 0, requestTimeoutMs: 5000 };

const task = {
  taskId: 78, eventService: true, coreCount: 2, eventsPerRange: 1, maxAttempts: 3, scope: 'mc_t', consumers: 2,
  inputFiles: [{ lfn: 'EVNT.78._1', guid: '0A1B2C3D-0000-4000-8000-000000000011', events: 4 }],
  output: { lfn: 'HITS.{taskId}._{serial}.root' },
  payload: { transformation: 'node', jobPars: 'sim.js --outputFile={outputLFN}' },
  merge: { transformation: 'node', jobPars: 'merge.js --inputFile=@inputFor_{outputLFN} --outputFile={outputLFN}' },
};

async function open(t: ExecutionContext, profile?: ServerProfile): Promise<{ d: DispatcherHandle; c: PandaClient }> {
  const d = await startDispatcher({ task, ...(profile ? { profile } : {}) });
  const c = new PandaClient({ server: { ...settings, url: d.url, ...(profile ? { profile } : {}) }, secrets: new SecretRegistry(), env: {} });
  t.teardown(async () => { c.close(); await d.stop(); });
  return { d, c };
}

/** One POST as pilot3's https.py sends it: gzip-compressed JSON, `Content-Type: application/json`, no Content-Encoding. */
function pilot3Post(url: string, command: string, data: Record<string, unknown>): Promise<{ status: number; body: string }> {
  const body = gzipSync(JSON.stringify(data));
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/server/panda/${command}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': body.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('pilot3 shapes: gzipped JSON without Content-Encoding is read for getJob, getEventRanges, updateJob and updateEventRanges v1', async (t) => {
  const { d } = await open(t);
  const job = await pilot3Post(d.url, 'getJob', {
    siteName: 'Q', computingElement: 'Q', node: 'wn1', prodSourceLabel: 'managed', getProxyKey: false, jobType: 'managed', resourceType: 'MCORE',
    cpu: 2000, mem: 16000, diskSpace: 100000, workingGroup: '', taskID: 78, harvester_id: 'h', worker_id: 1,
  });
  t.is(job.status, 200, job.body);
  const def = JSON.parse(job.body) as Record<string, string | number>;
  t.is(def['StatusCode'], 0);
  const pandaId = String(def['PandaID']);
  const ranges = await pilot3Post(d.url, 'getEventRanges', { pandaID: pandaId, jobsetID: def['jobsetID'], taskID: 78, nRanges: 2 });
  const list = (JSON.parse(ranges.body) as { eventRanges: { eventRangeID: string }[] }).eventRanges;
  t.is(list.length, 2);
  const hb = await pilot3Post(d.url, 'updateJob', { jobId: pandaId, state: 'running', timestamp: 'x', siteName: 'Q', node: 'wn1', attemptNr: 1, coreCount: 2, cpuConsumptionUnit: 's+AMD', meanCoreCount: 2.0 });
  t.is(JSON.parse(hb.body).StatusCode, 0, hb.body);
  // pilot3's ES report: version 1, a batch of ranges with their zip file.
  const v1 = await pilot3Post(d.url, 'updateEventRanges', {
    eventRanges: JSON.stringify([{ zipFile: { lfn: 'EventService_premerge_78.tar', objstoreID: 1631, fsize: 100, adler32: '0001000a', pathConvention: 1000, numEvents: 2 },
      eventRanges: list.map((r) => ({ eventRangeID: r.eventRangeID, eventStatus: 'finished' })) }]),
    version: 1, pandaID: pandaId,
  });
  t.deepEqual(JSON.parse(v1.body).Returns, [true, true], v1.body);
  const s = d.snapshot();
  t.deepEqual(s.jobUpdates.map((u) => u.state), ['running']);
  t.like(s.files.find((f) => f.type === 'zipoutput'), { lfn: 'EventService_premerge_78.tar', objstoreId: 1631, fsize: 100, checksum: 'ad:0001000a', pathConvention: 1000, pandaId });
  t.is(s.files.filter((f) => f.type === 'es-output').length, 2);
  t.is(s.ranges.filter((r) => r.status === 'finished').length, 2);
});

test('an unknown or a missing parameter is HTTP 500 naming it, as the server\'s TypeError is', async (t) => {
  const { d } = await open(t);
  const unknown = await pilot3Post(d.url, 'getJob', { siteName: 'Q', bogusField: 1 });
  t.is(unknown.status, 500);
  t.is(unknown.body, "getJob() got an unexpected keyword argument 'bogusField'");
  const missing = await pilot3Post(d.url, 'updateJob', { jobId: '1' });
  t.is(missing.status, 500);
  t.is(missing.body, "updateJob() missing 1 required positional argument: 'state'");
  const both = await pilot3Post(d.url, 'getEventRanges', {});
  t.is(both.body, "getEventRanges() missing 2 required positional arguments: 'pandaID' and 'jobsetID'");
  const single = await pilot3Post(d.url, 'updateEventRange', { eventRangeID: 'x', eventStatus: 'finished', errorCode: 1 });
  t.is(single.status, 500, 'updateEventRange takes no errorCode');
  t.regex(single.body, /'errorCode'/);
  const forbidden = await pilot3Post(d.url, 'noSuchCommand', {});
  t.is(forbidden.status, 403);
  t.is(forbidden.body, 'ERROR : noSuchCommand is forbidden');
  t.deepEqual(d.snapshot().jobUpdates, [], 'nothing refused reached the state');
});

test('a ps-2015 server: taskID in getEventRanges is a 500, there is no updateEventRanges; the ps-2015 client speaks its language', async (t) => {
  const { d, c } = await open(t, 'ps-2015');
  const job = (await c.getJob({ siteName: 'Q', jobType: 'managed', resourceType: 'MCORE' }))!;
  const withTask = await pilot3Post(d.url, 'getEventRanges', { pandaID: job.pandaId, jobsetID: job.jobsetId, taskID: 78 });
  t.is(withTask.status, 500);
  t.is(withTask.body, "getEventRanges() got an unexpected keyword argument 'taskID'");
  const bulk = await pilot3Post(d.url, 'updateEventRanges', { eventRanges: '[]' });
  t.deepEqual([bulk.status, bulk.body], [200, 'False : updateEventRanges is forbidden']);
  // The client under the ps-2015 profile: no taskID, and one updateEventRange per range.
  const ranges = await c.getEventRanges({ pandaId: job.pandaId, jobsetId: job.jobsetId!, taskId: '78', nRanges: 3 });
  t.is(ranges.length, 3);
  const result = await c.updateEventRanges([
    ...ranges.map((r) => ({ eventRangeId: r.id, eventStatus: 'finished' as const, objstoreId: 7 })),
    { eventRangeId: '78-999-1-1-3', eventStatus: 'finished' as const },
  ], job.pandaId);
  t.deepEqual(result.results, [true, true, true, false]);
  const s = d.snapshot();
  t.deepEqual(s.rangeUpdates.map((u) => u.command), ['updateEventRange', 'updateEventRange', 'updateEventRange', 'updateEventRange']);
  t.is(s.rangeUpdates[0]!.objstoreId, undefined, 'a ps-2015 server takes no objstoreID');
});

test('updateEventRanges versions: 0 flat, 1 chunks with zip files, 2 also for activated jobs; a zip without objstoreID rolls back', async (t) => {
  const { d, c } = await open(t);
  const a = (await c.getJob({ siteName: 'Q' }))!;
  const ranges = await c.getEventRanges({ pandaId: a.pandaId, jobsetId: a.jobsetId!, nRanges: 4 });
  const entry = (i: number, status = 'finished') => ({ eventRangeID: ranges[i]!.id, eventStatus: status });
  const call = async (version: number | undefined, list: unknown[]) => {
    const r = await c.call('updateEventRanges', { eventRanges: JSON.stringify(list), ...(version === undefined ? {} : { version }), pandaID: a.pandaId });
    return r.fields['Returns'];
  };
  t.deepEqual(await call(undefined, [entry(0), entry(1, 'running')]), [true, null], 'version 0 when absent');
  t.deepEqual(await call(1, [{ zipFile: { lfn: 'z1.tar', fsize: 1, adler32: '00000001' }, eventRanges: [entry(2)] }]), [false], 'no objstoreID: rolled back');
  t.is(d.snapshot().ranges.filter((r) => r.status === 'finished').length, 1, 'the rolled-back entry changed nothing');
  t.deepEqual(await call(1, [{ zipFile: { lfn: 'z1.tar', objstoreID: 5 }, eventRanges: [entry(2)] }, entry(3, 'failed')]), [true, true], 'a chunk and a plain entry');
  t.like(d.snapshot().files.find((f) => f.type === 'zipoutput'), { lfn: 'z1.tar', objstoreId: 5 });
  // The second consumer is still activated: only version 2 takes its reports (noop: the range is not its own).
  const b = d.snapshot().jobs.find((j) => j.status === 'activated')!;
  const foreign = [{ eventRangeID: `78-${b.pandaId}-1-1-3`, eventStatus: 'finished' }];
  t.deepEqual(await call(1, foreign), [false]);
  t.deepEqual(await call(2, foreign), [true]);
  t.like(d.snapshot().rangeUpdates.at(-1), { outcome: 'noop' });
  t.like(d.snapshot().rangeUpdates.at(-2), { outcome: 'rejected', reason: `job ${b.pandaId} is activated` });
});
