/**
 * S3 keys never leave the pilot: uploads run with a canary secret (a real Swift user's key,
 * handed over by PanDA's getKeyPair), while xrootd and gfal2 transfers start children in the
 * same run. The canary must not appear in the log, in any file under the work, temp and store
 * folders, nor in the argv or environment of any child. The scanners are checked first with
 * planted leaks, so this test fails when a leak happens.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ChecksumStore, PandaApi, SiteMover, type ChecksumStore as Store, type SiteMover as Mover } from '../../core/index.js';
import { watchChildren, type ChildSnapshot } from '../helpers/child-watch.js';
import { makeRun } from '../helpers/make-run.js';
import { keyPairServer } from '../helpers/panda-keys.js';
import { startSwift, type SwiftServer } from '../helpers/swift-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startXrootd, type XrootdServer } from '../helpers/xrootd-server.js';

const canary = `CANARY-${randomBytes(12).toString('hex')}`;
let swift: SwiftServer;
let xrd: XrootdServer;

test.before(async () => {
  [swift, xrd] = await Promise.all([startSwift({ users: [{ account: 'canary', user: 'uploader', key: canary }] }), startXrootd()]);
});
test.after.always(async () => {
  await Promise.all([swift?.stop(), xrd?.stop()]);
});

interface Observed {
  readonly where: string;
  readonly text: string;
}

/** Every file below `dir` (contents and names). */
function filesBelow(dir: string): Observed[] {
  const out: Observed[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    out.push({ where: `name ${p}`, text: name });
    if (st.isDirectory()) out.push(...filesBelow(p));
    else if (st.isFile()) out.push({ where: `file ${p}`, text: readFileSync(p).toString('latin1') });
  }
  return out;
}

function childrenObserved(children: readonly ChildSnapshot[]): Observed[] {
  return children.flatMap((c) => [
    { where: `argv of pid ${c.pid} (${c.argv[0]})`, text: c.argv.join(' ') },
    { where: `environment of pid ${c.pid} (${c.argv[0]})`, text: c.environ.join('\n') },
  ]);
}

const leaks = (observed: readonly Observed[]) => observed.filter((o) => o.text.includes(canary)).map((o) => o.where);

test.serial('control: the scanners find a planted canary in a file, a log line and a child environment', async (t) => {
  const dir = await tempDir();
  const run = await makeRun();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  await mkdir(join(dir.path, 'sub'));
  await writeFile(join(dir.path, 'sub', 'planted'), `x${canary}x`);
  t.deepEqual(leaks(filesBelow(dir.path)), [`file ${join(dir.path, 'sub', 'planted')}`]);
  run.logger.info(`planted ${canary}`);
  t.is(leaks(run.lines.map((l) => ({ where: 'log', text: l }))).length, 1, 'unregistered, it is logged');
  const watch = watchChildren();
  const seen: ChildSnapshot[] = [];
  run.resolver.commands.onSpawn((s) => seen.push({ pid: s.pid, argv: readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0'), environ: readFileSync(`/proc/${s.pid}/environ`, 'utf8').split('\0') }));
  await run.resolver.commands.run({ command: process.execPath, args: ['-e', 'setTimeout(() => {}, 100)', canary.toLowerCase()], env: { PLANTED: canary }, timeoutMs: 10_000 });
  t.is(leaks(childrenObserved(seen)).length, 1, 'the environment leak is seen through /proc');
  t.true(leaks(childrenObserved(watch.stop())).length >= 1, 'and by the /proc watcher');
});

test.serial('uploads with a canary S3 secret leave it nowhere: logs, files, child argv and environments', async (t) => {
  const work = await tempDir('espilot-secrets-work-');
  const store = await tempDir('espilot-secrets-store-');
  const bucket = `es_${randomBytes(3).toString('hex')}`;
  const run = await makeRun({
    cli: {
      pilot: {
        workdir: work.path,
        pluginOptions: {
          's3-objectstore': { multipartThresholdBytes: 5 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024, md5: true },
          'xrootd-objectstore': { connectionWindowS: 2 },
          gfal2: { connectionWindowS: 2 },
        },
      },
      queuedata: {
        ddmendpoints: { CANARY_OS_ES: { endpoint: `s3://127.0.0.1:${swift.port}`, path: `//${bucket}`, access_key: 'CANARY.pub', secret_key: 'CANARY', is_secure: false } },
        astorages: { es_events: ['CANARY_OS_ES'] },
      },
    },
  });
  // pilot1 exported the keys into the pilot's own environment; children must still not see them.
  process.env['ESPILOT_TEST_EXPORTED_SECRET'] = canary;
  const watch = watchChildren();
  t.teardown(async () => {
    delete process.env['ESPILOT_TEST_EXPORTED_SECRET'];
    watch.stop();
    await run.dispose();
    await work.remove();
    await store.remove();
  });
  run.resolver.provide(PandaApi, keyPairServer({ 'CANARY.pub\0CANARY': { publicKey: 'canary:uploader', privateKey: canary } }, run.secrets));
  const spawned: ChildSnapshot[] = [];
  run.resolver.commands.onSpawn((s) => {
    spawned.push({ pid: s.pid, argv: [s.command, ...s.args], environ: Object.entries(s.env).map(([k, v]) => `${k}=${v}`) });
    try {
      spawned.push({ pid: s.pid, argv: readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0'), environ: readFileSync(`/proc/${s.pid}/environ`, 'utf8').split('\0') });
    } catch {
      // exited already; its record above still counts
    }
  });

  const small = join(work.path, 'out.1');
  const big = join(work.path, 'out.2');
  await writeFile(small, randomBytes(50_000));
  await writeFile(big, randomBytes(6 * 1024 * 1024));
  const s3 = run.resolver.get<Mover>(SiteMover, 'objectstore', 's3');
  const base = `s3://127.0.0.1:${swift.port}//${bucket}`;
  await s3.stageOut({ localPath: small, url: `${base}/out.1` });
  await s3.stageOut({ localPath: big, url: `${base}/out.2` });
  await s3.stageIn({ localPath: join(work.path, 'in', 'out.2'), url: `${base}/out.2` });
  t.truthy(await s3.stat(`${base}/out.1`));
  await run.resolver.get<Store>(ChecksumStore, 's3').record(`${base}/out.1`, 50_000, [{ type: 'adler32', value: (await s3.stat(`${base}/out.1`))!.checksums[0]!.value }]);
  await s3.stageIn({ localPath: join(work.path, 'in', 'missing'), url: `${base}/missing` }).catch(() => undefined);
  await s3.delete(`${base}/out.1`);

  const xrdMover = run.resolver.get<Mover>(SiteMover, 'xrootd-objectstore');
  await xrdMover.stageOut({ localPath: small, url: `${xrd.url}//es/secrets/out.1` });
  await xrdMover.stageIn({ localPath: join(work.path, 'in', 'x.1'), url: `${xrd.url}//es/secrets/out.1` });
  const gfal = run.resolver.get<Mover>(SiteMover, 'gfal2');
  await gfal.stageOut({ localPath: small, url: `${xrd.url}//es/secrets/g.1` });
  await gfal.stageOut({ localPath: small, url: pathToFileURL(join(store.path, 'es', 'g.1')).href });
  await gfal.stageIn({ localPath: join(work.path, 'in', 'g.1'), url: pathToFileURL(join(store.path, 'es', 'g.1')).href });

  const children = watch.stop();
  t.true(run.secrets.contains(canary), 'the canary was in use as a registered secret');
  t.true(spawned.length >= 10, `children recorded: ${spawned.length}`);
  t.true(spawned.some((c) => c.environ.some((e) => e.startsWith('XRD_CONNECTIONRETRY='))), 'their environments were read');
  t.true(children.length >= 1, 'the /proc watcher saw children too');
  t.deepEqual(leaks(run.lines.map((l, i) => ({ where: `log line ${i}`, text: l }))), []);
  t.deepEqual(leaks(childrenObserved(spawned)), []);
  t.deepEqual(leaks(childrenObserved(children)), []);
  t.deepEqual(leaks([...filesBelow(work.path), ...filesBelow(store.path), ...filesBelow(xrd.dataDir)]), []);
});
