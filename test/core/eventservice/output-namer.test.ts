import test from 'ava';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OutputNamer, PilotError } from '../../../core/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function setup(t: { teardown(fn: () => Promise<void>): void }, outputLfns = ['HITS.1', 'AOD.1']) {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  await mkdir(join(dir.path, 'worker_1'));
  const namer = new OutputNamer({ workdir: dir.path, outputLfns, objectName: (lfn, id) => `${lfn}.${id}` });
  return { dir: dir.path, namer };
}

test('names each file <outputLFN>.<rangeID>, by name prefix, relative paths against the workdir', async (t) => {
  const { dir, namer } = await setup(t);
  await writeFile(join(dir, 'worker_1', 'AOD.1.R-1'), 'a');
  await writeFile(join(dir, 'HITS.1.R-1'), 'h');
  const files = await namer.filesFor('R-1', [join(dir, 'worker_1', 'AOD.1.R-1'), 'HITS.1.R-1']);
  t.deepEqual(files.map((f) => f.objectName), ['AOD.1.R-1', 'HITS.1.R-1']);
  t.is(files[1]!.localPath, join(dir, 'HITS.1.R-1'));
});

test('AthenaMP names that do not start with the LFN map by position, or to the only output', async (t) => {
  const { dir, namer } = await setup(t);
  await writeFile(join(dir, 'myHITS.pool.root_000.R-2'), 'h');
  await writeFile(join(dir, 'myAOD.pool.root_000.R-2'), 'a');
  const files = await namer.filesFor('R-2', [join(dir, 'myHITS.pool.root_000.R-2'), join(dir, 'myAOD.pool.root_000.R-2')]);
  t.deepEqual(files.map((f) => f.objectName), ['HITS.1.R-2', 'AOD.1.R-2']);
  const single = await setup(t, ['HITS.9']);
  await writeFile(join(single.dir, 'out.R-3'), 'x');
  t.deepEqual((await single.namer.filesFor('R-3', ['out.R-3'])).map((f) => f.objectName), ['HITS.9.R-3']);
});

test('missing files, folders, files outside the workdir and escaping symlinks are refused with 1165', async (t) => {
  const { dir, namer } = await setup(t);
  const outside = await tempDir();
  t.teardown(() => outside.remove());
  await writeFile(join(outside.path, 'secret'), 's');
  await symlink(join(outside.path, 'secret'), join(dir, 'HITS.1.R-4'));
  await symlink(outside.path, join(dir, 'link-dir'));
  await writeFile(join(outside.path, 'HITS.1.R-5'), 'x');
  await mkdir(join(dir, 'HITS.1.R-7'));
  for (const [id, path, why] of [
    ['R-4', join(dir, 'HITS.1.R-4'), /outside the job's work directory/],
    ['R-5', join(dir, 'link-dir', 'HITS.1.R-5'), /outside the job's work directory/],
    ['R-5', join(outside.path, 'HITS.1.R-5'), /outside the job's work directory/],
    ['R-6', join(dir, 'HITS.1.R-6'), /unusable/],
    ['R-7', join(dir, 'HITS.1.R-7'), /not a regular file/],
  ] as const) {
    const e = await t.throwsAsync(namer.filesFor(id, [path]), { instanceOf: PilotError });
    t.is(e?.code, 1165);
    t.regex(e?.message ?? '', why);
  }
});

test('two files of one range that map to one object name are refused', async (t) => {
  const { dir, namer } = await setup(t, ['HITS.1']);
  await writeFile(join(dir, 'a.R-8'), 'a');
  await writeFile(join(dir, 'b.R-8'), 'b');
  const e = await t.throwsAsync(namer.filesFor('R-8', ['a.R-8', 'b.R-8']), { instanceOf: PilotError });
  t.regex(e?.message ?? '', /same object name/);
});
