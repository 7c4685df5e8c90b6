import test from 'ava';
import { ConfigError, mergeSettings, parseObjectstoreString, parseQueueData, type ConfigIssue } from '../../../core/index.js';

test('legacy queuedata: copytool^setup, objectstore single-store form, retries as strings', (t) => {
  const q = parseQueueData({
    nickname: 'BNL_PROD_ES',
    copytool: 'gfal-copy^/cvmfs/setup.sh',
    copytoolin: 'xrdcp',
    objectstore: 'root://atlas-objectstore.cern.ch/|eventservice^/atlas/eventservice|logs^/atlas/logs',
    stageinretry: '3',
    stageoutretry: 2,
    glexec: 'True',
    catchall: 'log_to_objectstore HPC_Titan maxtime=3600',
    corecount: '8',
    maxwdir: 14336,
  });
  t.is(q.name, 'BNL_PROD_ES');
  t.deepEqual(q.copytool, { name: 'gfal-copy' }, 'the ^setup part is accepted and dropped');
  t.deepEqual(q.copytoolIn, { name: 'xrdcp' });
  t.is(q.objectstore?.eventservice, 'root://atlas-objectstore.cern.ch//atlas/eventservice');
  t.is(q.objectstore?.logs, 'root://atlas-objectstore.cern.ch//atlas/logs');
  t.is(q.stageInRetry, 3);
  t.is(q.glexec, 'true');
  t.is(q.coreCount, 8);
  t.is(q.maxWorkdirMB, 14336);
  t.is(q.catchall['maxtime'], '3600');
  t.is(q.hpc, 'Titan');
  t.true(Object.isFrozen(q) && Object.isFrozen(q.objectstore));
});

test('objectstore multi-store form', (t) => {
  const issues: ConfigIssue[] = [];
  const os = parseObjectstoreString('eventservice^s3://cephgw.usatlas.bnl.gov:8443//atlas_eventservice|logs^s3://cephgw.usatlas.bnl.gov:8443//atlas_logs', 'x', issues);
  t.deepEqual(issues, []);
  t.is(os?.eventservice, 's3://cephgw.usatlas.bnl.gov:8443//atlas_eventservice');
  t.is(os?.logs, 's3://cephgw.usatlas.bnl.gov:8443//atlas_logs');
});

for (const [label, text] of [
  ['no entries after the base URL', 'root://host/'],
  ['entry without ^', 'root://host/|eventservice'],
  ['multi-store entry that is not a URL', 'eventservice^/just/a/path|logs^s3://h//l'],
  ['base without scheme', 'host/|eventservice^/p'],
] as const) {
  test(`malformed objectstore string: ${label}`, (t) => {
    const e = t.throws(() => parseQueueData({ objectstore: text }), { instanceOf: ConfigError });
    t.is(e?.code, 1117);
    t.is(e?.issues[0]?.path, 'queuedata.objectstore');
    t.regex(e!.message, /expected "<url>\|eventservice\^<path>\|logs\^<path>"/);
    t.true(e!.message.includes(JSON.stringify(text)));
  });
}

test('wrong types are all reported, each naming field, expectation and value', (t) => {
  const e = t.throws(() => parseQueueData({ stageinretry: 'many', corecount: -2, glexec: 'maybe', acopytools: { pw: [42], bogus: ['x'] }, catchall: ['x'] }), { instanceOf: ConfigError });
  const byPath = Object.fromEntries(e!.issues.map((i) => [i.path, i]));
  t.is(byPath['queuedata.stageinretry']?.expected, 'an integer from 1 to 9');
  t.is(byPath['queuedata.stageinretry']?.got, '"many"');
  t.is(byPath['queuedata.corecount']?.got, 'number -2');
  t.regex(byPath['queuedata.glexec']!.expected, /"true", "false", "test"/);
  t.is(byPath['queuedata.acopytools.pw[0]']?.got, 'number 42');
  t.regex(byPath['queuedata.acopytools.bogus']!.expected, /an activity key \(pr, pw/);
  t.truthy(byPath['queuedata.catchall']);
  t.is(e!.issues.length, 6);
});

test('acopytools and astorages with ddmendpoints; an unknown storage is an error naming the endpoint', (t) => {
  const q = parseQueueData({
    acopytools: { pw: ['gfal2', 'local'], es_events: 'objectstore', default: ['local'] },
    astorages: { es_events: ['CERN_OS_ES'] },
    ddmendpoints: { CERN_OS_ES: { endpoint: 's3://os.cern.ch:443', path: '//atlas_es', access_key: 'CERN_Key.pub', secret_key: 'CERN_Key', is_secure: 'True' } },
  });
  t.deepEqual(q.acopytools.pw, ['gfal2', 'local']);
  t.deepEqual(q.acopytools.es_events, ['objectstore']);
  t.is(q.storages['CERN_OS_ES']?.url, 's3://os.cern.ch:443//atlas_es');
  t.true(q.storages['CERN_OS_ES']?.secure);
  const e = t.throws(() => parseQueueData({ astorages: { pw: ['NOPE'] }, ddmendpoints: { A: { endpoint: 'root://h//p' } } }), { instanceOf: ConfigError });
  t.is(e?.issues[0]?.path, 'queuedata.ddmendpoints.NOPE', 'the gap is the endpoint');
  t.regex(e!.issues[0]!.expected, /the storage endpoint astorages\.pw\[0\] names/);
  t.is(e?.issues[0]?.got, 'no such endpoint (the storage data has A)');
});

test('layers: CLI > site > env > queuedata > defaults, with sources', (t) => {
  const s = mergeSettings([
    { source: 'queuedata:q.json', queuedata: { copytool: 'gfal-copy', stageoutretry: 3, corecount: 4 } },
    { source: 'env', queuedata: { copytool: 'local' } },
    { source: 'site:s.json', pilot: { experiment: 'atlas', eventService: { stageOutConcurrency: 8 } }, queuedata: { stageoutretry: 5 } },
    { source: 'cli', pilot: { experiment: 'generic' } },
  ]);
  t.is(s.queue.copytool?.name, 'local');
  t.is(s.queue.stageOutRetry, 5);
  t.is(s.pilot.experiment, 'generic');
  t.is(s.pilot.eventService.stageOutConcurrency, 8);
  t.is(s.pilot.eventService.reportBatchSize, 100);
  const src = Object.fromEntries(s.explain().map((e) => [e.path, e.source]));
  t.is(src['queuedata.copytool'], 'env');
  t.is(src['queuedata.stageoutretry'], 'site:s.json');
  t.is(src['queuedata.corecount'], 'queuedata:q.json');
  t.is(src['config.experiment'], 'cli');
  t.is(src['config.eventService.stageOutConcurrency'], 'site:s.json');
  t.is(src['config.eventService.reportBatchSize'], 'default');
});

test('bad pilot settings name the field', (t) => {
  const e = t.throws(() => mergeSettings([{ source: 'site', pilot: { server: { url: 'ftp://x', retries: 'x' }, eventService: { prefetchBeforeReady: 'sometimes' } } }]), { instanceOf: ConfigError });
  const paths = e!.issues.map((i) => i.path).sort();
  t.deepEqual(paths, ['config.eventService.prefetchBeforeReady', 'config.server.retries', 'config.server.url']);
});
