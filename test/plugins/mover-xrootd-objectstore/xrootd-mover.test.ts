import test from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  ChecksumStore, PilotError, SiteMover, adler32, checksumStoreEntry, formatAdler32, type SpawnRecord, type SiteMover as Mover, type ChecksumStore as Store,
} from '../../../core/index.js';
import { XrootdMover } from '../../../plugins/mover-xrootd-objectstore/index.js';
import { siteMoverConformance } from '../../conformance/site-mover.conformance.js';
import { makeRun } from '../../helpers/make-run.js';
import { closedPort } from '../../helpers/service-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startXrootd, type XrootdServer } from '../../helpers/xrootd-server.js';

let xrd: XrootdServer;
let plain: XrootdServer;

test.before(async () => {
  [xrd, plain] = await Promise.all([startXrootd(), startXrootd({ checksums: [] })]);
});
test.after.always(async () => {
  await Promise.all([xrd?.stop(), plain?.stop()]);
});

const adler = (b: Buffer) => formatAdler32(adler32(b));
const unique = () => randomBytes(4).toString('hex');

function xrdRun(options: Record<string, unknown> = {}) {
  return makeRun({ cli: { pilot: { pluginOptions: { 'xrootd-objectstore': { connectionWindowS: 2, requestTimeoutS: 10, ...options } } } } });
}

siteMoverConformance(test, 'mover-xrootd-objectstore', async () => {
  const run = await xrdRun();
  return {
    mover: run.resolver.get<Mover>(SiteMover, 'xrootd-objectstore'),
    baseUrl: `${xrd.url}//es/${unique()}`,
    // Silent corruption below xrootd: the bytes change, the mtime and the recorded checksum do not.
    tamper: (url, bytes) => xrd.corrupt(url, bytes),
    teardown: () => run.dispose(),
  };
});

test('objectstore + root:// resolves to the xrootd mover; xrdcp runs with end-to-end adler32 and fast-fail XRD_* settings, no shell', async (t) => {
  const run = await xrdRun();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const spawned: SpawnRecord[] = [];
  run.resolver.commands.onSpawn((r) => spawned.push(r));
  const mover = run.resolver.get<Mover>(SiteMover, 'objectstore', 'root');
  t.true(mover instanceof XrootdMover);
  const data = randomBytes(10_000);
  await writeFile(join(dir.path, 'src'), data);
  const url = `${xrd.url}//es/${unique()}/out.1`;
  await mover.stageOut({ localPath: join(dir.path, 'src'), url });
  const cp = spawned.find((s) => s.command === 'xrdcp')!;
  t.deepEqual(cp.args, ['--nopbar', '--posc', '--path', '--force', '--cksum', `adler32:${adler(data)}`, '--rm-bad-cksum', join(dir.path, 'src'), url]);
  t.like(cp.env, { XRD_CONNECTIONRETRY: '1', XRD_CONNECTIONWINDOW: '2', XRD_REQUESTTIMEOUT: '10' });
  t.true((await readFile(xrd.localPath(url))).equals(data));
  spawned.length = 0;
  await mover.stageIn({ localPath: join(dir.path, 'back'), url });
  t.deepEqual(spawned.map((s) => `${s.command} ${s.args.slice(0, s.command === 'xrdcp' ? 4 : 3).join(' ')}`), [
    `xrdfs localhost:${xrd.port} query checksum`,
    `xrdcp --nopbar --force --cksum adler32:${adler(data)}`,
  ]);
});

test('the server is down: a recoverable failure within the connection window', async (t) => {
  const run = await xrdRun({ connectionWindowS: 2 });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  await writeFile(join(dir.path, 'src'), 'x');
  const url = `root://localhost:${await closedPort()}//es/x`;
  const mover = run.resolver.get<Mover>(SiteMover, 'xrdcp');
  const started = Date.now();
  const out = await t.throwsAsync(mover.stageOut({ localPath: join(dir.path, 'src'), url }), { instanceOf: PilotError });
  t.is(out?.code, 1137);
  t.true(out?.recoverable);
  t.regex(out!.message, /Connection|connect/i);
  const inn = await t.throwsAsync(mover.stageIn({ localPath: join(dir.path, 'in'), url }), { instanceOf: PilotError });
  t.is(inn?.code, 1099);
  t.true(Date.now() - started < 20_000);
});

test('a server that accepts but never answers: the deadline kills xrdcp, PUTTIMEOUT', async (t) => {
  const sockets: Socket[] = [];
  const hole: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  const run = await xrdRun({ connectionWindowS: 60, requestTimeoutS: 60 });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); sockets.forEach((s) => s.destroy()); hole.close(); await dir.remove(); });
  await writeFile(join(dir.path, 'src'), 'x');
  const port = (hole.address() as { port: number }).port;
  const started = Date.now();
  const e = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 'xrdcp').stageOut({ localPath: join(dir.path, 'src'), url: `root://127.0.0.1:${port}//es/x`, timeoutMs: 1500 }), { instanceOf: PilotError });
  t.is(e?.code, 1152);
  t.true(e?.recoverable);
  t.regex(e!.message, /deadline exceeded/);
  t.true(Date.now() - started < 15_000);
});

test('a server without checksums: stage-out fails with CHKSUMNOTSUP (1242) and leaves nothing', async (t) => {
  const run = await xrdRun();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  await writeFile(join(dir.path, 'src'), 'unverifiable');
  const url = `${plain.url}//es/${unique()}/n.1`;
  const e = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 'xrdcp').stageOut({ localPath: join(dir.path, 'src'), url }), { instanceOf: PilotError });
  t.is(e?.code, 1242, e?.message);
  t.false(existsSync(plain.localPath(url)));
});

test('the xrootd checksum store confirms and reports the server checksum', async (t) => {
  const run = await xrdRun();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const store = run.resolver.instantiate<Store>(checksumStoreEntry(run.registry, 'root')!);
  t.is(store, run.resolver.get<Store>(ChecksumStore, 'xrootd'));
  const data = randomBytes(3000);
  await writeFile(join(dir.path, 'src'), data);
  const url = `${xrd.url}//es/${unique()}/c.1`;
  await run.resolver.get<Mover>(SiteMover, 'xrdcp').stageOut({ localPath: join(dir.path, 'src'), url });
  t.deepEqual(await store.lookup(url), { size: 3000, checksums: [{ type: 'adler32', value: adler(data) }] });
  await t.notThrowsAsync(store.record(url, 3000, [{ type: 'adler32', value: adler(data) }]));
  const wrong = await t.throwsAsync(store.record(url, 3000, [{ type: 'adler32', value: '00000002' }]), { instanceOf: PilotError });
  t.is(wrong?.code, 1172);
  const size = await t.throwsAsync(store.record(url, 2999, []), { instanceOf: PilotError });
  t.is(size?.code, 1139);
  const md5 = await t.throwsAsync(store.record(url, 3000, [{ type: 'md5', value: '0123456789abcdef0123456789abcdef' }]), { instanceOf: PilotError });
  t.is(md5?.code, 1242, 'this server computes adler32 only');
  t.is(await store.lookup(`${xrd.url}//es/absent`), undefined);
});
