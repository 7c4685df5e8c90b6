/**
 * The `rucio` copytool hands each copy to the first configured mover that handles the URL's
 * scheme, and names the gap when none does.
 */
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, PilotError, SiteMover } from '../../../core/index.js';
import { makeRun } from '../../helpers/make-run.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('file:// through rucio is the local mover\'s copy: stored, verified, stat and read back, deleted', async (t) => {
  const dir = await tempDir('espilot-rucio-');
  t.teardown(() => dir.remove());
  const run = await makeRun();
  t.teardown(() => run.dispose());
  const rucio = run.resolver.create<SiteMover>(SiteMover, 'rucio');
  const src = join(dir.path, 'out.root');
  await writeFile(src, 'payload output\n');
  const url = `${pathToFileURL(dir.path).href}/store/out.root`;
  const stored = await rucio.stageOut({ localPath: src, url });
  t.is(stored.size, 15);
  t.is(stored.checksum.type, 'adler32');
  t.is((await rucio.stat(url))?.size, 15);
  const back = join(dir.path, 'back.root');
  await rucio.stageIn({ localPath: back, url, size: 15, checksum: stored.checksum });
  t.is(await readFile(back, 'utf8'), 'payload output\n');
  await rucio.delete(url);
  t.is(await rucio.stat(url), undefined);
});

test('no configured mover handles the scheme: NOSTORAGEPROTOCOL naming the movers and pluginOptions.rucio.movers', async (t) => {
  const dir = await tempDir('espilot-rucio-');
  t.teardown(() => dir.remove());
  const run = await makeRun({ cli: { pilot: { pluginOptions: { rucio: { movers: ['xrootd-objectstore'] } } } } });
  t.teardown(() => run.dispose());
  const rucio = run.resolver.create<SiteMover>(SiteMover, 'rucio');
  const src = join(dir.path, 'x');
  await writeFile(src, 'x');
  const e = await t.throwsAsync(rucio.stageOut({ localPath: src, url: `${pathToFileURL(dir.path).href}/x2` }), { instanceOf: PilotError });
  t.is(e?.code, ErrorCodes.NOSTORAGEPROTOCOL);
  t.regex(e!.message, /none of the movers xrootd-objectstore is loaded and handles file:\/\/.*pluginOptions\.rucio\.movers/);
});

test('rucio cannot hand copies to itself', async (t) => {
  const run = await makeRun({ cli: { pilot: { pluginOptions: { rucio: { movers: ['gfal2', 'rucio'] } } } } });
  t.teardown(() => run.dispose());
  t.throws(() => run.resolver.create<SiteMover>(SiteMover, 'rucio'), { message: /movers: expected mover names other than rucio itself/ });
});
