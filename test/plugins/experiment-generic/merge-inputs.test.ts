import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PilotError } from '../../../core/index.js';
import { mergeInputPaths, writeMergeList } from '../../../plugins/experiment-generic/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('a writeToFile name or merge input LFN that would leave the job dir is refused (1303); nothing is written', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const work = join(dir.path, 'a', 'job');
  await mkdir(work, { recursive: true });
  const e = await t.throwsAsync(writeMergeList(work, 'inputFor_/../../x', ['/data/in']), { instanceOf: PilotError });
  t.is(e?.code, 1303);
  t.false(existsSync(join(dir.path, 'x.txt')));
  t.deepEqual(await readdir(work), []);
  t.is(t.throws(() => mergeInputPaths({ name: 'A', inputs: ['../../etc/passwd'] }, { workdir: work } as never), { instanceOf: PilotError })?.code, 1303);
  t.deepEqual(mergeInputPaths({ name: 'A', inputs: ['HITS.1'] }, { workdir: work } as never), [join(work, 'HITS.1')]);
});
