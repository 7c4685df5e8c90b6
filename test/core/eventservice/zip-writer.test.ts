import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeZip } from '../../../core/eventservice/zip-writer.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { readZipEntries } from '../../helpers/zip-reader.js';

const run = promisify(execFile);

test('the zip lists exactly its entries, and unzip extracts each byte for byte (deflated and stored)', async (t) => {
  const dir = await tempDir('espilot-zip-');
  t.teardown(() => dir.remove());
  const text = Buffer.from('event output '.repeat(500)); // compresses: deflated
  const noise = randomBytes(3000); // does not: stored
  const empty = Buffer.alloc(0);
  await writeFile(join(dir.path, 'a'), text);
  await writeFile(join(dir.path, 'b'), noise);
  await writeFile(join(dir.path, 'c'), empty);
  const zip = join(dir.path, 'EventService_premerge_1-2-3-4-5.zip');
  const entries = [
    { name: 'HITS.pool.root.1.1-2-3-4-5', localPath: join(dir.path, 'a') },
    { name: 'HITS.pool.root.1.1-2-3-4-6', localPath: join(dir.path, 'b') },
    { name: 'HITS.pool.root.1.1-2-3-4-7', localPath: join(dir.path, 'c') },
  ];
  const size = await writeZip(zip, entries);
  // Our own reader: names, methods, CRCs and data agree with the files.
  const read = await readZipEntries(zip);
  t.deepEqual(read.map((e) => e.name), entries.map((e) => e.name));
  t.deepEqual(read.map((e) => e.method), [8, 0, 0]);
  t.true(read[0]!.data.equals(text) && read[1]!.data.equals(noise) && read[2]!.data.equals(empty));
  // Debian's unzip: the archive tests clean and lists the same entries.
  const tested = await run('unzip', ['-t', zip]);
  t.regex(tested.stdout, /No errors detected/);
  const listed = await run('unzip', ['-Z1', zip]);
  t.deepEqual(listed.stdout.trim().split('\n'), entries.map((e) => e.name));
  const out = await run('unzip', ['-p', zip, entries[1]!.name], { encoding: 'buffer', maxBuffer: 1 << 20 });
  t.true(Buffer.from(out.stdout).equals(noise));
  const { size: onDisk } = await import('node:fs').then((fs) => fs.statSync(zip));
  t.is(size, onDisk);
});

test('an existing file is never overwritten, and names that leave the archive root are refused', async (t) => {
  const dir = await tempDir('espilot-zip-');
  t.teardown(() => dir.remove());
  await writeFile(join(dir.path, 'a'), 'x');
  const zip = join(dir.path, 'z.zip');
  await writeZip(zip, [{ name: 'a', localPath: join(dir.path, 'a') }]);
  await t.throwsAsync(writeZip(zip, [{ name: 'a', localPath: join(dir.path, 'a') }]), { code: 'EEXIST' });
  await t.throwsAsync(writeZip(join(dir.path, 'y.zip'), [{ name: '../a', localPath: join(dir.path, 'a') }]), { message: /not a plain file name/ });
  await t.throwsAsync(writeZip(join(dir.path, 'w.zip'), [{ name: 'a', localPath: join(dir.path, 'a') }, { name: 'a', localPath: join(dir.path, 'a') }]), { message: /appears twice/ });
  await t.throwsAsync(writeZip(join(dir.path, 'v.zip'), []), { message: /1–65535 entries/ });
  // A source that vanished: the error, and no half-written archive left behind.
  await t.throwsAsync(writeZip(join(dir.path, 'u.zip'), [{ name: 'a', localPath: join(dir.path, 'a') }, { name: 'b', localPath: join(dir.path, 'gone') }]), { code: 'ENOENT' });
  t.false(existsSync(join(dir.path, 'u.zip')));
});
