import test from 'ava';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PilotError, SiteMover, ChecksumStore, type SiteMover as Mover, type ChecksumStore as Store } from '../../../core/index.js';
import { siteMoverConformance } from '../../conformance/site-mover.conformance.js';
import { makeRun } from '../../helpers/make-run.js';
import { tempDir } from '../../helpers/temp-dir.js';

siteMoverConformance(test, 'mover-local', async () => {
  const run = await makeRun();
  const store = await tempDir('espilot-store-');
  return {
    mover: run.resolver.get<Mover>(SiteMover, 'local'),
    baseUrl: pathToFileURL(join(store.path, 'es')).href,
    tamper: (url, bytes) => writeFile(new URL(url), bytes),
    teardown: async () => { await run.dispose(); await store.remove(); },
  };
});

test('no partial file under the final name after a failed stage-out', async (t) => {
  const run = await makeRun();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const mover = run.resolver.get<Mover>(SiteMover, 'local');
  const src = join(dir.path, 'src');
  await writeFile(src, 'payload output');
  await mkdir(join(dir.path, 'os'));
  const url = pathToFileURL(join(dir.path, 'os', 'out.1')).href;
  await t.throwsAsync(mover.stageOut({ localPath: src, url, checksum: { type: 'adler32', value: '00000002' } }), { instanceOf: PilotError });
  t.deepEqual((await readdir(join(dir.path, 'os'))).filter((n) => !n.startsWith('.espilot-checksums')), []);
});

test('the local checksum store answers for what the mover recorded', async (t) => {
  const run = await makeRun();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const src = join(dir.path, 'src');
  await writeFile(src, 'hello test\n');
  const url = pathToFileURL(join(dir.path, 'os', 'x')).href;
  await run.resolver.get<Mover>(SiteMover, 'objectstore', 'file').stageOut({ localPath: src, url });
  const rec = await run.resolver.get<Store>(ChecksumStore, 'local').lookup(url);
  t.is(rec?.size, 11);
  t.deepEqual(rec?.checksums, [{ type: 'adler32', value: '198d03ff' }]);
});

test('a non-file URL is refused with 1313', async (t) => {
  const run = await makeRun();
  t.teardown(() => run.dispose());
  const e = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 'local').stat('s3://h/b/k'), { instanceOf: PilotError });
  t.is(e?.code, 1313);
});

test('a file:// URL with a dot segment, raw or percent-encoded, is refused (1303) by the mover and the catalog; nothing lands outside', async (t) => {
  const run = await makeRun();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const mover = run.resolver.get<Mover>(SiteMover, 'local');
  const store = run.resolver.get<Store>(ChecksumStore, 'local');
  const src = join(dir.path, 'src');
  await writeFile(src, 'payload output');
  await mkdir(join(dir.path, 'os', 'es'), { recursive: true });
  const base = pathToFileURL(join(dir.path, 'os', 'es')).href;
  for (const url of [`${base}/%2e%2e/escaped`, `${base}/%2E%2E/%2e%2e/escaped`, `${base}/.%2e/escaped`, `${base}/../escaped`]) {
    t.is((await t.throwsAsync(mover.stageOut({ localPath: src, url }), { instanceOf: PilotError }))?.code, 1303, url);
    t.is((await t.throwsAsync(mover.stageIn({ localPath: join(dir.path, 'in'), url }), { instanceOf: PilotError }))?.code, 1303, url);
    t.is((await t.throwsAsync(store.record(url, 1, [{ type: 'adler32', value: '00000001' }]), { instanceOf: PilotError }))?.code, 1303, url);
  }
  t.deepEqual((await readdir(join(dir.path, 'os'))).sort(), ['es']);
  t.deepEqual(await readdir(join(dir.path, 'os', 'es')), []);
  t.deepEqual((await readdir(dir.path)).sort(), ['os', 'src']);
});
