/**
 * A queue named on the command line, fetched from a loopback server that serves CRIC's JSON as
 * CRIC does (test/fixtures/cric): the queue and the endpoints it names fold into queuedata;
 * a CRIC that is down leaves the last good copy in use; bad answers are clear errors.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError, QUEUE_CACHE_FILE, createLogger, cricQueueLayers, isQueueName, mergeSettings, SecretRegistry, type LogRecord,
} from '../../../core/index.js';
import { startCricServer } from '../../helpers/cric-server.js';
import { tempDir } from '../../helpers/temp-dir.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const QUEUES = JSON.parse(readFileSync(join(root, 'test/fixtures/cric/pandaqueue.json'), 'utf8')) as Record<string, Record<string, unknown>>;
const ENDPOINTS = JSON.parse(readFileSync(join(root, 'test/fixtures/cric/ddmendpoints.json'), 'utf8')) as Record<string, unknown>;
const Q = 'CERN-PROD_ES';
/** Short waits: the test is about the rule (attempts, fallback), not the production backoff. */
const POLICY = { timeoutMs: 5_000, attempts: 3, backoffMs: 5, backoffMaxMs: 10 };

function logs(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ secrets: new SecretRegistry(), level: 'debug', sink: (_r: LogRecord, l: string) => lines.push(l) }) };
}

async function cric(t: { teardown(f: () => Promise<void>): void }) {
  const server = await startCricServer({ [`/cache/schedconfig/${Q}.json`]: { [Q]: QUEUES[Q] }, '/cache/ddmendpoints.json': ENDPOINTS });
  t.teardown(() => server.stop());
  const dir = await tempDir('espilot-cric-');
  t.teardown(() => dir.remove());
  return { server, dir: dir.path, queuedataUrl: `${server.url}/cache/schedconfig/{pandaqueue}.json`, storagedataUrl: `${server.url}/cache/ddmendpoints.json` };
}

test('a CRIC queue as served: verbatim fields accepted, its endpoints from the ddmendpoints JSON, protocols per activity', async (t) => {
  const c = await cric(t);
  const { logger } = logs();
  const layers = await cricQueueLayers({ queue: Q, queuedataUrl: c.queuedataUrl, storagedataUrl: c.storagedataUrl, cacheDir: c.dir, logger, policy: POLICY });
  t.deepEqual(layers.map((l) => l.source), [`cric:${c.server.url}/cache/schedconfig/${Q}.json`, `cric-storage:${c.server.url}/cache/ddmendpoints.json`]);
  t.deepEqual(Object.keys(layers[1]!.queuedata!['ddmendpoints'] as object).sort(), ['CERN-PROD_DATADISK', 'CERN-PROD_ES_OS'], 'only the endpoints the queue names');
  const s = mergeSettings(layers);
  const q = s.queue;
  t.is(q.name, Q);
  t.is(q.glexec, 'false', 'glexec: false (a JSON boolean)');
  t.deepEqual(q.copytools, ['rucio', 'xrdcp']);
  t.deepEqual(q.acopytools.pw, ['rucio']);
  t.is(q.timefloorS, 0);
  t.is(q.maxRssMB, 16000);
  t.is(q.maxWorkdirMB, 30000);
  t.is(q.containerOptions, '', 'container_options "none"');
  const disk = q.storages['CERN-PROD_DATADISK']!;
  t.is(disk.url, 'davs://eosatlas.cern.ch:443/eos/atlas/atlasdatadisk/rucio', 'writes through write_lan');
  t.is(disk.readUrl, 'root://eosatlas.cern.ch:1094//eos/atlas/atlasdatadisk/rucio', 'reads through read_lan');
  t.is(disk.id, 1041);
  t.true(disk.deterministic);
  const os = q.storages['CERN-PROD_ES_OS']!;
  t.is(os.url, 's3://s3.cern.ch:443/atlas_eventservice', 'write_wan when there is no write_lan');
  t.deepEqual([os.accessKeyName, os.secretKeyName, os.secure], ['CERN_ObjectStoreKey.pub', 'CERN_ObjectStoreKey', true], 'key names from rprotocols.<id>.settings');
  // explain: what the pilot does not read is marked so; what it reads is not.
  const explain = Object.fromEntries(s.explain().map((e) => [e.path, e.ignored === true]));
  for (const unused of ['queuedata.maxtime', 'queuedata.params.pilot_rss_grace', 'queuedata.copytools.rucio.setup', 'queuedata.aprotocols', 'queuedata.zip_time_gap', 'queuedata.ddmendpoints.CERN-PROD_DATADISK.token']) {
    t.true(explain[unused] ?? Object.entries(explain).some(([p, i]) => p.startsWith(`${unused}`) && i), `${unused} is shown as unused`);
  }
  for (const used of ['queuedata.timefloor', 'queuedata.maxrss', 'queuedata.glexec', 'queuedata.maxwdir', 'queuedata.corecount']) t.false(explain[used], `${used} is in effect`);
});

test('CRIC down: the copy kept from the last good fetch is used, and its age is logged', async (t) => {
  const c = await cric(t);
  const first = logs();
  await cricQueueLayers({ queue: Q, queuedataUrl: c.queuedataUrl, storagedataUrl: c.storagedataUrl, cacheDir: c.dir, logger: first.logger, policy: POLICY });
  const kept = JSON.parse(await readFile(join(c.dir, QUEUE_CACHE_FILE), 'utf8')) as Record<string, unknown>;
  t.truthy(kept[Q], 'the good copy is kept in the work directory');
  const hour = Date.now() / 1000 - 3600;
  await utimes(join(c.dir, QUEUE_CACHE_FILE), hour, hour);
  await c.server.stop();
  const second = logs();
  const layers = await cricQueueLayers({ queue: Q, queuedataUrl: c.queuedataUrl, storagedataUrl: c.storagedataUrl, cacheDir: c.dir, logger: second.logger, policy: POLICY });
  t.is(layers[0]!.source, `cric:cache:${join(c.dir, QUEUE_CACHE_FILE)}`);
  t.is(mergeSettings(layers).queue.storages['CERN-PROD_ES_OS']?.id, 1273, 'the endpoints came from their kept copy too');
  t.is(second.lines.filter((l) => /attempt \d\/3 to load .*schedconfig/.test(l)).length, 2, 'three attempts, two waits');
  t.regex(second.lines.join('\n'), /using the copy kept in .*queuedata\.json, 60 min old/);
});

test('CRIC down and nothing kept: an error naming the flag and the URL', async (t) => {
  const c = await cric(t);
  await c.server.stop();
  const e = await t.throwsAsync(cricQueueLayers({ queue: Q, queuedataUrl: c.queuedataUrl, cacheDir: c.dir, logger: logs().logger, policy: POLICY }), { instanceOf: ConfigError });
  t.is(e?.issues[0]?.path, '--queuedata-url');
  t.regex(e!.issues[0]!.expected, new RegExp(`a reachable ${c.server.url}/cache/schedconfig/${Q}\\.json`));
});

test('a 5xx is tried again; a 404 is CRIC\'s answer and not retried', async (t) => {
  const c = await cric(t);
  const path = `/cache/schedconfig/${Q}.json`;
  c.server.serve(path, { status: 503, body: '{}' });
  await t.throwsAsync(cricQueueLayers({ queue: Q, queuedataUrl: c.queuedataUrl, cacheDir: c.dir, logger: logs().logger, policy: POLICY }), { message: /HTTP 503/ });
  t.is(c.server.hits.get(path), 3);
  const e = await t.throwsAsync(cricQueueLayers({ queue: 'NO_SUCH_QUEUE', queuedataUrl: c.queuedataUrl, cacheDir: c.dir, logger: logs().logger, policy: POLICY }), { instanceOf: ConfigError });
  t.regex(e!.issues[0]!.got, /HTTP 404/);
  t.is(c.server.hits.get('/cache/schedconfig/NO_SUCH_QUEUE.json'), 1);
});

test('bad JSON from CRIC is a clear error, and never replaces the kept copy', async (t) => {
  const c = await cric(t);
  const { logger } = logs();
  await cricQueueLayers({ queue: Q, queuedataUrl: c.queuedataUrl, storagedataUrl: c.storagedataUrl, cacheDir: c.dir, logger, policy: POLICY });
  c.server.serve(`/cache/schedconfig/${Q}.json`, { status: 200, body: '{"CERN-PROD_ES": {"nickname": ' });
  const e = await t.throwsAsync(cricQueueLayers({ queue: Q, queuedataUrl: c.queuedataUrl, cacheDir: c.dir, logger, policy: POLICY }), { instanceOf: ConfigError });
  t.is(e?.issues[0]?.path, '--queuedata-url');
  t.is(e?.issues[0]?.expected, 'valid JSON');
  t.regex(e!.issues[0]!.got, new RegExp(`^${c.server.url}/cache/schedconfig/${Q}\\.json: `));
  t.truthy((JSON.parse(await readFile(join(c.dir, QUEUE_CACHE_FILE), 'utf8')) as Record<string, unknown>)[Q], 'the kept copy is still the good one');
});

test('a queue name the document does not hold, and an endpoint the storage data lacks, are named', async (t) => {
  const c = await cric(t);
  c.server.serve('/cache/schedconfig/OTHER.json', { [Q]: QUEUES[Q] });
  const e = await t.throwsAsync(cricQueueLayers({ queue: 'OTHER', queuedataUrl: c.queuedataUrl, cacheDir: c.dir, logger: logs().logger, policy: POLICY }), { instanceOf: ConfigError });
  t.regex(e!.issues[0]!.expected, /the PanDA queue "OTHER"/);
  t.regex(e!.issues[0]!.got, /"CERN-PROD_ES"/);
  const { 'CERN-PROD_ES_OS': _gone, ...rest } = ENDPOINTS;
  c.server.serve('/cache/ddmendpoints.json', rest);
  const layers = await cricQueueLayers({ queue: Q, queuedataUrl: c.queuedataUrl, storagedataUrl: c.storagedataUrl, cacheDir: c.dir, logger: logs().logger, policy: POLICY });
  const bad = t.throws(() => mergeSettings(layers), { instanceOf: ConfigError });
  const issue = bad!.issues.find((i) => i.path === 'queuedata.ddmendpoints.CERN-PROD_ES_OS');
  t.truthy(issue, bad!.message);
  t.regex(issue!.expected, /the storage endpoint astorages\.es_events\[0\] names/);
  t.regex(issue!.got, /no such endpoint \(the storage data has CERN-PROD_DATADISK\)/);
});

test('--queue: a file when it exists, contains "/" or ends in .json; otherwise a queue name', (t) => {
  const exists = (p: string) => p === 'LOCALFILE';
  t.true(isQueueName('CERN-PROD_ES', exists));
  t.false(isQueueName('LOCALFILE', exists));
  t.false(isQueueName('./q', exists));
  t.false(isQueueName('queue.JSON', exists));
});
