import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ChecksumStore, PilotError, bindJob, parseJobDefinition, preflight, readsInPlace, stageInJobInputs, stageOutJobFiles,
  type ChecksumStore as Store, type PlannedTransfer,
} from '../../../core/index.js';
import { makeRun } from '../../helpers/make-run.js';
import { tempDir } from '../../helpers/temp-dir.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const fixture = async (name: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(join(root, 'test/fixtures/jobs', name), 'utf8')) as Record<string, unknown>;

const NORMAL = {
  PandaID: '77', prodSourceLabel: 'managed', jobsetID: '7', taskID: '70', transformation: 'run.sh', jobPars: '', attemptNr: '1', coreCount: '1',
  inFiles: 'in.a,in.b', GUID: '0A1B2C3D-0000-4000-8000-000000000001,0A1B2C3D-0000-4000-8000-000000000002', fsize: '10,20', checksum: 'ad:00000001,ad:00000002', scopeIn: 's,s', ddmEndPointIn: 'OTHER_SE,',
  outFiles: 'out.1,log.77.tgz', scopeOut: 's', scopeLog: 's', logFile: 'log.77.tgz', logGUID: '0A1B2C3D-0000-4000-8000-000000000003',
};

async function runWith(t: import('ava').ExecutionContext, queuedata: Record<string, unknown>, pilot: Record<string, unknown> = {}) {
  const run = await makeRun({ extraLayers: [{ source: 'test', pilot: { experiment: 'atlas', ...pilot }, queuedata: { nickname: 'Q', ...queuedata } }] });
  t.teardown(() => run.dispose());
  return run;
}

const summary = (ts: readonly PlannedTransfer[]) => ts.map((x) => `${x.label} | ${x.activity} | ${x.error ? `ERROR ${x.error}` : `${x.url} | ${x.movers.join(' → ')} | ${x.attempts}${x.optional ? ' | optional' : ''}`}`);

const CRIC = {
  acopytools: { pr: ['local'], pw: ['gfal2', 'local'], pl: ['local'], es_events: ['objectstore'], es_events_read: ['objectstore'], es_failover: ['local'] },
  astorages: { pr: ['SE'], pw: ['SE'], pl: ['LOGS_SE'], es_events: ['OS'], es_events_read: ['OS'], es_failover: ['FO'], pls: ['OS_LOGS'] },
  ddmendpoints: {
    SE: { endpoint: 'file:///se' }, OTHER_SE: { endpoint: 'file:///other' }, LOGS_SE: { endpoint: 'file:///logs-se' },
    OS: { endpoint: 's3://os.example:443//es' }, OS_LOGS: { endpoint: 'file:///os-logs' }, FO: { endpoint: 'file:///failover' },
  },
  stageinretry: 3, stageoutretry: 2, catchall: 'log_to_objectstore',
};

test('acopytools era, normal job: per-file ddmEndpoint input, pw outputs with both movers, log to pl, log copy to pls', async (t) => {
  const run = await runWith(t, CRIC);
  const job = parseJobDefinition(NORMAL);
  const b = bindJob(run.resolver, job);
  t.deepEqual(summary(b.transfers), [
    'stage-in in.a | pr | file:///other/in.a | local | 3',
    'stage-in in.b | pr | file:///se/in.b | local | 3',
    'stage-out out.1 | pw | file:///se/out.1 | gfal2 → local | 2',
    'log log.77.tgz | pl | file:///logs-se/log.77.tgz | local | 2',
    'log copy log.77.tgz | pls | file:///os-logs/log.77.tgz | objectstore→local | 2 | optional',
  ]);
  t.true(Object.isFrozen(b) && Object.isFrozen(b.transfers));
  t.is(b.inputs()[0]!.destination.base, 'file:///other');
  t.is(b.outputs().retry.attempts, 2);
  t.is(b.log().activity, 'pl');
  t.is(b.logCopy()?.activity, 'pls');
  // The checksum store comes with the destination's scheme.
  t.is(b.outputs().checksumStore, run.resolver.get<Store>(ChecksumStore, 'local'));
  const err = t.throws(() => b.es(), { instanceOf: PilotError });
  t.is(err?.code, 1241);
});

test('acopytools era, ES job: inputs from pr, es_events through the S3 mover with its checksum store, es_failover as optional fallback, the log to pl and its copy to pls', async (t) => {
  const run = await runWith(t, { ...CRIC, ddmendpoints: { ...CRIC.ddmendpoints, OS: { endpoint: 's3://os.example:443//es', id: 1318 } } });
  const job = parseJobDefinition(await fixture('atlas-es-job.json'));
  const b = bindJob(run.resolver, job);
  const lfn = job.outputFiles[0]!.lfn;
  const input = job.inputFiles[0]!.lfn;
  const log = job.logFile!.lfn;
  t.deepEqual(summary(b.transfers), [
    `stage-in ${input} | pr | file:///se/${input} | local | 3`,
    `es outputs ${lfn} | es_events | s3://os.example:443//es/${lfn}.<eventRangeID> | objectstore→s3-objectstore | 2`,
    `es failover ${lfn} | es_failover | file:///failover/${lfn}.<eventRangeID> | local | 2 | optional`,
    `log ${log} | pl | file:///logs-se/${log} | local | 2`,
    `log copy ${log} | pls | file:///os-logs/${log} | objectstore→local | 2 | optional`,
  ]);
  t.is(b.log().base, 'file:///logs-se');
  const es = b.es();
  t.is(es.primary.base, 's3://os.example:443//es');
  t.is(es.primary.checksumStore, run.resolver.get<Store>(ChecksumStore, 's3'));
  t.is(es.primary.storageId, 1318, 'the ES store\'s CRIC id, reported as objstoreID');
  t.is(es.failover?.base, 'file:///failover');
  t.is(es.failover?.storageId, undefined, 'an endpoint without an id has none');
  t.deepEqual(b.inputs().map((i) => i.url), [`file:///se/${input}`], 'ES inputs are staged in like any job\'s');
  t.throws(() => b.outputs(), { instanceOf: PilotError });
});

test('es_failover whose copytool cannot write its storage: a warning once, the job goes on without it; one at the primary base is dropped', async (t) => {
  const run = await runWith(t, { ...CRIC, acopytools: { ...CRIC.acopytools, es_failover: ['xrootd-objectstore'] } });
  const job = parseJobDefinition(await fixture('atlas-es-job.json'));
  const b = bindJob(run.resolver, job);
  t.true(b.warnings.some((w) => /es_failover is configured but unusable/.test(w)), b.warnings.join('\n'));
  const warned: string[] = [];
  const log = { ...run.logger, warn: (m: string) => warned.push(m) } as typeof run.logger;
  t.is(b.es(log).failover, undefined);
  b.es(log);
  t.is(warned.length, 1);
  t.false(b.transfers.some((x) => x.activity === 'es_failover'));
  const same = await runWith(t, { ...CRIC, astorages: { ...CRIC.astorages, es_failover: ['OS'] } });
  t.is(bindJob(same.resolver, job).es().failover, undefined);
});

test('merge job: inputs from the object store (es_events_read), its log inputs from the logs path; ES store record used when the job gives no checksum', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const os = pathToFileURL(join(dir.path, 'os')).href;
  const logs = pathToFileURL(join(dir.path, 'logs')).href;
  const run = await runWith(t, {
    ...CRIC, astorages: { ...CRIC.astorages, es_events: ['OS'], es_events_read: ['OS'], pls: ['OS_LOGS'] },
    ddmendpoints: { ...CRIC.ddmendpoints, OS: { endpoint: os }, OS_LOGS: { endpoint: logs } },
  });
  const raw = await fixture('atlas-merge-job.json');
  const job = parseJobDefinition({ ...raw, inFiles: `${String(raw['inFiles']).split(',')[0]},log.1.job.log.tgz.2`, checksum: 'NULL,NULL' });
  const b = bindJob(run.resolver, job);
  const [hits, log] = b.inputs();
  t.is(hits!.destination.activity, 'es_events_read');
  t.is(hits!.url, `${os}/${hits!.lfn}`);
  t.is(log!.url, `${logs}/log.1.job.log.tgz.2`);
  t.deepEqual(hits!.destination.candidates.map((c) => c.name), ['objectstore→local']);
  t.is(hits!.destination.retry.attempts, 3);
});

test('legacy queue: copytool/copytoolin and the objectstore string; no pl storage, so the log goes to pw', async (t) => {
  const run = await runWith(t, {
    copytool: 'local', copytoolin: 'gfal-copy', objectstore: 'eventservice^file:///os/es|logs^file:///os/logs',
    astorages: { pr: ['SE'], pw: ['SE'] }, ddmendpoints: { SE: { endpoint: 'file:///se' } }, stageinretry: 1, stageoutretry: 1,
  });
  const normal = bindJob(run.resolver, parseJobDefinition({ ...NORMAL, ddmEndPointIn: ',' }));
  t.deepEqual(summary(normal.transfers), [
    'stage-in in.a | pr | file:///se/in.a | gfal2 | 1',
    'stage-in in.b | pr | file:///se/in.b | gfal2 | 1',
    'stage-out out.1 | pw | file:///se/out.1 | local | 1',
    'log log.77.tgz | pw | file:///se/log.77.tgz | local | 1',
  ]);
  const es = bindJob(run.resolver, await fixture('atlas-es-job.json').then(parseJobDefinition));
  t.is(es.es().primary.base, 'file:///os/es');
  t.deepEqual(es.es().primary.candidates.map((c) => c.name), ['objectstore→local']);
  t.is(es.es().failover, undefined);
});

test('a fallback copytool that does not handle the scheme is skipped with a warning; preflight calls it a warning, not an error', async (t) => {
  const run = await runWith(t, { ...CRIC, acopytools: { ...CRIC.acopytools, pw: ['local', 'xrootd-objectstore'] } });
  const b = bindJob(run.resolver, parseJobDefinition(NORMAL));
  t.deepEqual(b.outputs().candidates.map((c) => c.name), ['local']);
  t.true(b.warnings.some((w) => /activity pw, copytool\[1\] "xrootd-objectstore" skipped: xrootd-objectstore does not handle "file:\/\/"/.test(w)), b.warnings.join('\n'));
  const problems = preflight(run.settings, run.registry, run.resolver).filter((p) => p.where.startsWith('activity pw'));
  t.deepEqual(problems.map((p) => p.severity), ['warning'], JSON.stringify(problems));
});

test('no copytool of the activity handles the scheme: the binding holds NOSTORAGEPROTOCOL (1313) for the job, preflight an error', async (t) => {
  const run = await runWith(t, { ...CRIC, acopytools: { ...CRIC.acopytools, pw: ['xrootd-objectstore'] } });
  const b = bindJob(run.resolver, parseJobDefinition(NORMAL));
  const e = t.throws(() => b.outputs(), { instanceOf: PilotError });
  t.is(e?.code, 1313);
  t.regex(b.transfers.find((x) => x.label === 'stage-out out.1')!.error!, /no copytool of activity pw \(xrootd-objectstore\) handles file:\/\//);
  t.deepEqual(preflight(run.settings, run.registry, run.resolver).filter((p) => p.where.startsWith('activity pw')).map((p) => p.severity), ['error']);
  const none = await runWith(t, { ...CRIC, astorages: { ...CRIC.astorages, pw: [] } });
  t.is(t.throws(() => bindJob(none.resolver, parseJobDefinition(NORMAL)).outputs(), { instanceOf: PilotError })?.code, 1133);
});

test('a site mover that keeps no checksums: the core records each stored object in the scheme\'s store, and stage-in expects that record', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const se = pathToFileURL(join(dir.path, 'se')).href;
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({ plugins: [join(root, 'dist/test/fixtures/plugins/plainfile-mover.js')] }));
  const run = await makeRun({
    configPath: site,
    extraLayers: [{ source: 'test', pilot: { experiment: 'atlas' }, queuedata: { ...CRIC, nickname: 'Q', acopytools: { ...CRIC.acopytools, pr: ['plainfile'], pw: ['plainfile'] }, ddmendpoints: { ...CRIC.ddmendpoints, SE: { endpoint: se } } } }],
  });
  t.teardown(() => run.dispose());
  const out = parseJobDefinition({ ...NORMAL, inFiles: '', GUID: '', fsize: '', checksum: '', scopeIn: '', ddmEndPointIn: '' });
  await writeFile(join(dir.path, 'out.1'), 'twelve bytes');
  const b = bindJob(run.resolver, out);
  t.deepEqual(b.outputs().candidates.map((c) => c.name), ['plainfile']);
  const [stored] = await stageOutJobFiles({ binding: b, jobDir: dir.path, log: run.logger }, out.outputFiles.slice(0, 1), b.outputs());
  const store = run.resolver.get<Store>(ChecksumStore, 'local');
  t.deepEqual(await store.lookup(`${se}/out.1`), { size: 12, checksums: [{ type: 'adler32', value: stored!.checksum.slice(3) }] });
  // Read back by a job that gives no checksum: the recorded one is expected, so a changed object is refused.
  await writeFile(join(dir.path, 'se', 'out.1'), 'twelve bytez');
  const reader = parseJobDefinition({ ...NORMAL, inFiles: 'out.1', GUID: '0A1B2C3D-0000-4000-8000-000000000004', fsize: 'NULL', checksum: 'NULL', scopeIn: 's', ddmEndPointIn: '', outFiles: 'x', logFile: undefined });
  const work = join(dir.path, 'work');
  const e = await t.throwsAsync(stageInJobInputs({ binding: bindJob(run.resolver, reader), jobDir: work, log: run.logger }, reader), { instanceOf: PilotError });
  t.is(e?.code, 1171);
});

test('names that would leave their storage: the plan shows the refusal, es() and the accessors\' urls throw 1303, bindJob itself never throws', async (t) => {
  const run = await runWith(t, CRIC);
  const es = parseJobDefinition(await fixture('atlas-es-job.json'));
  const hostileEs = { ...es, outputFiles: [{ ...es.outputFiles[0]!, lfn: '../../../../tmp/x' }] };
  const b = bindJob(run.resolver, hostileEs);
  t.regex(b.transfers.find((x) => x.activity === 'es_events')?.error ?? '', /es_events object name "\.\.\/\.\.\/\.\.\/\.\.\/tmp\/x\.<eventRangeID>" is refused/);
  t.is(t.throws(() => b.es(), { instanceOf: PilotError })?.code, 1303);

  const normal = parseJobDefinition(NORMAL);
  const hostile = { ...normal, inputFiles: [{ ...normal.inputFiles[0]!, lfn: '../../../planted/evil.sh' }, normal.inputFiles[1]!] };
  const n = bindJob(run.resolver, hostile);
  t.regex(n.transfers[0]!.error ?? '', /refused/);
  t.is(t.throws(() => n.inputs(), { instanceOf: PilotError })?.code, 1303);
  t.is(t.throws(() => n.outputs().url('../../../outside/secret.txt'), { instanceOf: PilotError })?.code, 1303);
});

test('direct access only where pilot3 allows it: the queue permits it, the job asks for it (or is analysis), a ROOT file, a scheme a payload opens', (t) => {
  const q = (lan: boolean, wan = false) => ({ directAccessLan: lan, directAccessWan: wan }) as never;
  const job = (over: Record<string, unknown> = {}) => ({ prodSourceLabel: 'managed', eventServiceMerge: false, transferType: 'direct', ...over }) as never;
  t.true(readsInPlace(q(true), job(), 'EVNT.1.pool.root.1', 'root://se//d/EVNT.1.pool.root.1'));
  t.true(readsInPlace(q(false, true), job(), 'EVNT.1', 'https://se/d/EVNT.1'));
  t.true(readsInPlace(q(true), job({ transferType: undefined, prodSourceLabel: 'user' }), 'x.root', 'file:///se/x.root'), 'analysis jobs read in place');
  t.false(readsInPlace(q(false), job(), 'EVNT.1', 'root://se//EVNT.1'), 'the queue does not allow it');
  t.false(readsInPlace(q(true), job({ transferType: undefined }), 'EVNT.1', 'root://se//EVNT.1'), 'a production job without transferType=direct copies');
  t.false(readsInPlace(q(true), job({ eventServiceMerge: true }), 'EVNT.1', 'root://se//EVNT.1'), 'merge inputs are verified copies');
  t.false(readsInPlace(q(true), job(), 'user.lib.tgz', 'root://se//user.lib.tgz'), 'no tarball');
  t.false(readsInPlace(q(true), job(), 'raw.data', 'root://se//raw.data'), 'no RAW');
  t.false(readsInPlace(q(true), job(), 'EVNT.1', 's3://os/EVNT.1'), 'not a scheme the payload opens');
});

test('a CRIC is_deterministic endpoint: outputs and the log go to Rucio\'s path of their scope (pilot3 get_path); object stores and non-deterministic endpoints keep the name', async (t) => {
  const proto = (path: string) => ({ write_lan: [{ endpoint: 'file://', path }], read_lan: [{ endpoint: 'file://', path }] });
  const run = await runWith(t, {
    acopytools: { pr: ['local'], pw: ['local'], pl: ['local'], pls: ['local'] },
    astorages: { pr: ['SE'], pw: ['SE'], pl: ['LOGS_SE'], pls: ['OS_LOGS'] },
    ddmendpoints: {
      SE: { arprotocols: proto('/se'), is_deterministic: true }, LOGS_SE: { arprotocols: proto('/logs-se'), is_deterministic: false },
      OS_LOGS: { arprotocols: proto('/os-logs'), is_deterministic: true, type: 'OS_LOGS' },
    },
    catchall: 'log_to_objectstore',
  });
  const job = parseJobDefinition({ ...NORMAL, scopeOut: 'user.jwebb2', outFiles: 'user.jwebb2.66999._000001.top1outDS.tar,log.77.tgz' });
  const b = bindJob(run.resolver, job);
  // pilot3's own example: user.jwebb2 → user/jwebb2/01/9f/<lfn>.
  t.is(b.outputs().fileUrl(job.outputFiles[0]!), 'file:///se/user/jwebb2/01/9f/user.jwebb2.66999._000001.top1outDS.tar');
  t.is(b.outputs().url('x'), 'file:///se/x', 'url(name) is the plain name');
  t.true(summary(b.transfers).includes('stage-out user.jwebb2.66999._000001.top1outDS.tar | pw | file:///se/user/jwebb2/01/9f/user.jwebb2.66999._000001.top1outDS.tar | local | 2'), summary(b.transfers).join('\n'));
  t.is(b.log().fileUrl(job.logFile!), 'file:///logs-se/log.77.tgz', 'LOGS_SE is not deterministic');
  t.is(b.logCopy()?.fileUrl(job.logFile!), 'file:///os-logs/log.77.tgz', 'the log copy to the object store keeps its name');
});
