import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ChecksumStore, PilotError, SiteMover, adler32, formatAdler32, moverNamesFor, transferWithFallback, type SpawnRecord, type ChecksumStore as Store, type SiteMover as Mover,
} from '../../../core/index.js';
import { Gfal2Mover } from '../../../plugins/mover-gfal2/index.js';
import { siteMoverConformance } from '../../conformance/site-mover.conformance.js';
import { makeRun } from '../../helpers/make-run.js';
import { closedPort } from '../../helpers/service-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startXrootd, type XrootdServer } from '../../helpers/xrootd-server.js';

let xrd: XrootdServer;

test.before(async () => {
  xrd = await startXrootd();
});
test.after.always(async () => {
  await xrd?.stop();
});

const adler = (b: Buffer) => formatAdler32(adler32(b));
const unique = () => randomBytes(4).toString('hex');

function gfalRun(options: Record<string, unknown> = {}) {
  return makeRun({ cli: { pilot: { pluginOptions: { gfal2: { connectionWindowS: 2, ...options } } } } });
}

siteMoverConformance(test, 'mover-gfal2 → xrootd', async () => {
  const run = await gfalRun();
  return {
    mover: run.resolver.get<Mover>(SiteMover, 'gfal2'),
    baseUrl: `${xrd.url}//gfal/${unique()}`,
    tamper: (url, bytes) => xrd.corrupt(url, bytes),
    teardown: () => run.dispose(),
  };
});

siteMoverConformance(test, 'mover-gfal2 → file://', async () => {
  const run = await gfalRun();
  const store = await tempDir('espilot-gfal-store-');
  return {
    mover: run.resolver.get<Mover>(SiteMover, 'gfal-copy'),
    baseUrl: pathToFileURL(join(store.path, 'es')).href,
    tamper: (url, bytes) => writeFile(new URL(url), bytes),
    teardown: async () => { await run.dispose(); await store.remove(); },
  };
});

test('gfal-copy runs with -t, -K ADLER32:<value>, -p, GFAL_PYTHONBIN and XRD_* set, never through a shell', async (t) => {
  const run = await gfalRun({ timeout: { baseS: 100, perMBs: 0, maxS: 100 } });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const spawned: SpawnRecord[] = [];
  run.resolver.commands.onSpawn((r) => spawned.push(r));
  const mover = run.resolver.get<Mover>(SiteMover, 'gfalcopy');
  t.true(mover instanceof Gfal2Mover);
  const data = randomBytes(20_000);
  await writeFile(join(dir.path, 'src'), data);
  const url = `${xrd.url}//gfal/${unique()}/a/out.1`;
  await mover.stageOut({ localPath: join(dir.path, 'src'), url });
  t.deepEqual(spawned.map((s) => s.command), ['gfal-mkdir', 'gfal-copy', 'gfal-stat', 'xrdfs', 'xrdfs'], 'mkdir, copy, size check, then the xrootd checksum store confirms');
  const copy = spawned[1]!;
  t.deepEqual(copy.args, ['-f', '-p', '-t', '100', '-K', `ADLER32:${adler(data)}`, pathToFileURL(join(dir.path, 'src')).href, url]);
  t.like(copy.env, { GFAL_PYTHONBIN: '/usr/bin/python3', XRD_CONNECTIONRETRY: '1', XRD_CONNECTIONWINDOW: '2' });
  t.true((await readFile(xrd.localPath(url))).equals(data));
  spawned.length = 0;
  await mover.stageOut({ localPath: join(dir.path, 'src'), url: url.replace('out.1', 'out.2') });
  t.false(spawned.some((s) => s.command === 'gfal-mkdir'), 'one gfal-mkdir per folder per run');
});

test('file:// objects written by gfal2 are in the local checksum catalog the local mover reads', async (t) => {
  const run = await gfalRun();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const data = randomBytes(999);
  await writeFile(join(dir.path, 'src'), data);
  const url = pathToFileURL(join(dir.path, 'os', 'deep', 'x.1')).href;
  await run.resolver.get<Mover>(SiteMover, 'gfal2').stageOut({ localPath: join(dir.path, 'src'), url });
  t.deepEqual(await run.resolver.get<Store>(ChecksumStore, 'local').lookup(url), { size: 999, checksums: [{ type: 'adler32', value: adler(data) }] });
  const back = await run.resolver.get<Mover>(SiteMover, 'local').stageIn({ localPath: join(dir.path, 'back'), url });
  t.is(back.checksum.value, adler(data));
  await run.resolver.get<Mover>(SiteMover, 'gfal2').delete(url);
  t.is(await run.resolver.get<Store>(ChecksumStore, 'local').lookup(url), undefined, 'the record goes with the object');
});

test('the server is down: a recoverable failure within the connection window', async (t) => {
  const run = await gfalRun();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  await writeFile(join(dir.path, 'src'), 'x');
  const url = `root://localhost:${await closedPort()}//gfal/x`;
  const started = Date.now();
  const e = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 'gfal2').stageOut({ localPath: join(dir.path, 'src'), url }), { instanceOf: PilotError });
  t.is(e?.code, 1137);
  t.true(e?.recoverable);
  t.regex(e!.message, /Connection refused|Connection error/);
  const inn = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 'gfal2').stageIn({ localPath: join(dir.path, 'in'), url }), { instanceOf: PilotError });
  t.is(inn?.code, 1099);
  t.true(Date.now() - started < 30_000);
});

test('gfal tools not where configured: a clear setup failure (1110), not a hang', async (t) => {
  const run = await gfalRun({ binDir: '/nonexistent/bin' });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  await writeFile(join(dir.path, 'src'), 'x');
  const e = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 'gfal2').stageOut({ localPath: join(dir.path, 'src'), url: `${xrd.url}//gfal/y/z` }), { instanceOf: PilotError });
  t.is(e?.code, 1110);
  t.regex(e!.message, /gfal-mkdir: not found/);
});

test('stage-out tries the movers of an activity in order, each with the queue retry count', async (t) => {
  // xrdcp is replaced by /bin/false: a real program whose bare failure is recoverable.
  const run = await makeRun({
    cli: {
      pilot: { pluginOptions: { 'xrootd-objectstore': { xrdcp: '/bin/false' }, gfal2: { connectionWindowS: 2 } } },
      queuedata: { acopytools: { pw: ['xrdcp', 'gfal-copy'] }, stageoutretry: 2 },
    },
  });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  await writeFile(join(dir.path, 'src'), 'fallback');
  const candidates = moverNamesFor(run.settings.queue, 'pw').map((name) => ({ name, mover: run.resolver.get<Mover>(SiteMover, name) }));
  const url = `${xrd.url}//gfal/${unique()}/fb.1`;
  const outcome = await transferWithFallback('out', candidates, { localPath: join(dir.path, 'src'), url }, { attempts: run.settings.queue.stageOutRetry, backoffBaseMs: 10, backoffMaxMs: 20 }, run.logger);
  t.is(outcome.mover, 'gfal-copy');
  t.is(outcome.attempts, 3, 'two xrdcp attempts (stageoutretry 2), then gfal-copy');
  t.is(run.lines.filter((l) => /xrdcp: stage-out of .* failed \(attempt \d\/2\): STAGEOUTFAILED \(1137\)/.test(l)).length, 2);
  t.is((await readFile(xrd.localPath(url), 'utf8')), 'fallback');
});
