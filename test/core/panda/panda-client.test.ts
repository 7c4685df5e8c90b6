/**
 * The PanDA client against the embedded dispatcher over real HTTP on loopback: every
 * command in both reply encodings, back-channel commands, key pairs behind a bearer token.
 */
import test from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ErrorCodes, PILOT_DEFAULTS, PandaClient, PilotError, SecretRegistry, finalJobUpdate, type JobDefinition, type JobOutcome, type ServerSettings,
  type StoredOutput,
} from '../../../core/index.js';
import { startDispatcher, type DispatcherHandle, type ReplyEncoding } from '../../../plugins/panda-local/index.js';

const task = {
  taskId: 501, eventService: true, coreCount: 2, eventsPerRange: 2, maxAttempts: 3, scope: 'test',
  inputFiles: [{ lfn: 'EVNT.501._01', guid: '0A1B2C3D-0000-4000-8000-000000000501', events: 6, size: 1234, checksum: 'ad:01020304' }],
  payload: { transformation: 'node', jobPars: 'sim.js --outputFile={outputLFN} --cores={coreCount}' },
  merge: { transformation: 'node', jobPars: 'merge.js --inputFile=@inputFor_{outputLFN}' },
};
const settings: ServerSettings = { ...PILOT_DEFAULTS.server, auth: 'none', connectTimeoutMs: 2000, requestTimeoutMs: 5000, retries: 1, backoffBaseMs: 10, backoffMaxMs: 50 };
const dispatchers = new Map<ReplyEncoding, DispatcherHandle>();

test.before(async () => {
  for (const encoding of ['form', 'json', 'auto'] as const) dispatchers.set(encoding, await startDispatcher({ task, encoding }));
});
test.after.always(async () => { for (const d of dispatchers.values()) await d.stop(); });

for (const [encoding, expected] of [['form', 'form'], ['json', 'json'], ['auto', 'json']] as const) {
  test(`every command works with ${encoding} replies`, async (t) => {
    const d = dispatchers.get(encoding)!;
    const client = new PandaClient({ server: { ...settings, url: d.url }, secrets: new SecretRegistry(), env: {} });
    t.teardown(() => client.close());
    t.is((await client.call('updateJob', { jobId: '1', state: 'running' })).encoding, expected);

    const job = (await client.getJob({ siteName: 'LOCAL', node: 'n1', mem: 2000 }))!;
    t.is(job.taskId, '501');
    t.true(job.eventService);
    t.is(job.coreCount, 2);
    t.is(job.jobParameters, 'sim.js --outputFile=HITS.501._000001.pool.root.1 --cores=2');
    t.deepEqual(job.inputFiles, [{ lfn: 'EVNT.501._01', guid: '0A1B2C3D-0000-4000-8000-000000000501', size: 1234, checksum: { type: 'adler32', value: '01020304' }, scope: 'test' }]);
    t.deepEqual(job.outputFiles.map((f) => f.lfn), ['HITS.501._000001.pool.root.1']);
    t.is(job.logFile?.lfn, `log.501._${job.pandaId}.job.log.tgz`);

    const ranges = await client.getEventRanges({ pandaId: job.pandaId, jobsetId: job.jobsetId!, taskId: job.taskId!, nRanges: 2 });
    t.deepEqual(ranges.map((r) => [r.id, r.startEvent, r.lastEvent, r.lfn, r.guid]), [
      [`501-${job.pandaId}-1-1-3`, 1, 2, 'EVNT.501._01', '0A1B2C3D-0000-4000-8000-000000000501'],
      [`501-${job.pandaId}-1-2-3`, 3, 4, 'EVNT.501._01', '0A1B2C3D-0000-4000-8000-000000000501'],
    ]);
    t.deepEqual(Object.keys(ranges[0]!.wire), ['eventRangeID', 'startEvent', 'lastEvent', 'LFN', 'GUID', 'scope']);

    const bulk = await client.updateEventRanges([
      { eventRangeId: ranges[0]!.id, eventStatus: 'finished', objstoreId: 3, cpuConsumptionTime: 1.5, coreCount: 2 },
      { eventRangeId: ranges[1]!.id, eventStatus: 'transferring' },
    ], job.pandaId);
    t.deepEqual(bulk, { results: [true, null], commands: [] });
    // The single-range command takes no error code (panda-server updateEventRange): it is not sent.
    t.deepEqual(await client.updateEventRange({ eventRangeId: ranges[1]!.id, eventStatus: 'failed', errorCode: 1220, objstoreId: 4 }, job.pandaId), { results: [true], commands: [] });
    t.deepEqual((await client.updateEventRange({ eventRangeId: `501-${job.pandaId}-9-9-3`, eventStatus: 'finished' })).results, [false]);

    t.deepEqual(await client.updateJob({ pandaId: job.pandaId, state: 'running', startTime: Date.UTC(2024, 0, 2, 3, 4, 5) }), []);
    d.command(job.pandaId, 'softkill');
    t.deepEqual(await client.updateJob({ pandaId: job.pandaId, state: 'running' }), ['softkill']);
    t.deepEqual((await client.updateEventRanges([{ eventRangeId: ranges[0]!.id, eventStatus: 'finished' }], job.pandaId)).commands, ['softkill']);

    const snap = d.snapshot();
    const applied = snap.rangeUpdates.filter((u) => u.outcome === 'applied').map((u) => [u.eventRangeId, u.eventStatus, u.errorCode ?? u.objstoreId]);
    t.deepEqual(applied, [[ranges[0]!.id, 'finished', 3], [ranges[1]!.id, 'failed', 4]]);
    t.is(snap.rangeUpdates.at(-1)!.outcome, 'noop', 'the repeated report changed nothing');

    const err = await t.throwsAsync(client.getEventRanges({ pandaId: '42', jobsetId: '1', nRanges: 1 }), { instanceOf: PilotError });
    t.regex(err.message, /^getEventRanges: the PanDA server answered StatusCode 30 \(Failed\): unknown PandaID 42$/);
    t.true(err.recoverable);
    t.deepEqual(await client.updateEventRanges([]), { results: [], commands: [] }, 'nothing to send, no call');
  });
}

test('the final updateJob as the server reads it: xml in JSON (ps-2024) or PoolFileCatalog (ps-2015), metaData, jobMetrics, pilotID, batchID, siteName', async (t) => {
  const seen: Record<string, string>[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('StatusCode=0&command=NULL');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const job = { pandaId: '77', eventService: false, coreCount: 8, attemptNr: 2, inputFiles: [{ lfn: 'in' }] } as unknown as JobDefinition;
  const outputs: StoredOutput[] = [
    { lfn: 'HITS.1', kind: 'output', guid: 'G1', size: 123, checksum: 'ad:0a0b0c0d', surl: 'root://se//HITS.1', dataset: 'mc.HITS', ddmEndpoint: 'CERN-PROD_DATADISK' },
    { lfn: 'log.1.tgz', kind: 'log', guid: 'G2', size: 45, checksum: 'ad:01020304', surl: 'root://se//log.1.tgz' },
  ];
  const outcome: JobOutcome = { state: 'finished', pilotErrorCode: 0, pilotErrorDiag: '', transExitCode: 0, nEvents: 100, cpuConsumptionTime: 12.4, startTime: 0, endTime: 1000, outputs, metaData: '{"exitCode":0}' };
  const env = { GTAG: 'https://logs/pilot.out', SLURM_JOB_ID: '4242', PANDA_JSID: 'harvester-1' };
  for (const profile of ['ps-2024', 'ps-2015'] as const) {
    const client = new PandaClient({ server: { ...settings, url, profile }, secrets: new SecretRegistry(), env: {} });
    await client.updateJob(finalJobUpdate(job, outcome, 'CERN-PROD_MCORE', env));
    client.close();
  }
  const [json, pfc] = seen;
  t.like(json, {
    jobId: '77', state: 'finished', siteName: 'CERN-PROD_MCORE', metaData: '{"exitCode":0}', jobMetrics: 'coreCount=8 nEvents=100',
    pilotID: 'https://logs/pilot.out|SLURM|PR|espilot', batchID: '4242', schedulerID: 'harvester-1', cpuConsumptionTime: '12',
  });
  t.deepEqual(JSON.parse(json!['xml']!), {
    'HITS.1': { guid: 'G1', fsize: 123, adler32: '0a0b0c0d', surl: 'root://se//HITS.1', dataset: 'mc.HITS', endpoint: 'CERN-PROD_DATADISK' },
    'log.1.tgz': { guid: 'G2', fsize: 45, adler32: '01020304', surl: 'root://se//log.1.tgz' },
  });
  const xml = pfc!['xml']!;
  t.regex(xml, /^<\?xml version="1\.0" encoding="UTF-8" standalone="no" \?>\n/);
  t.regex(xml, /<File ID="G1">\s*<logical>\s*<lfn name="HITS\.1"\/>\s*<\/logical>\s*<metadata att_name="surl" att_value="root:\/\/se\/\/HITS\.1"\/>\s*<metadata att_name="fsize" att_value="123"\/>\s*<metadata att_name="adler32" att_value="0a0b0c0d"\/>\s*<metadata att_name="dataset" att_value="mc\.HITS"\/>\s*<endpoint>CERN-PROD_DATADISK<\/endpoint>\s*<\/File>/);
  t.regex(xml, /<File ID="G2">[\s\S]*<lfn name="log\.1\.tgz"\/>[\s\S]*<\/POOLFILECATALOG>\n$/);
  t.is(finalJobUpdate(job, outcome, 'Q', {}).pilotId, 'unknown|PR|espilot', 'outside a batch system: no batch type, no batchID');
  t.is(finalJobUpdate(job, outcome, 'Q', {}).batchId, undefined);
  t.deepEqual(finalJobUpdate({ ...job, eventService: true } as JobDefinition, outcome, 'Q', {}).outputFiles?.map((f) => f.lfn), ['log.1.tgz'], 'an ES job lists its log only');
});
