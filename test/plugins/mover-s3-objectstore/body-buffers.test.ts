/**
 * The S3 mover's reusable body buffers: a file is read whole into a pooled buffer, the
 * buffer comes back only when given back, and a file whose size changed since it was
 * measured is not read this way (the caller falls back to reading it as it is).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BodyBuffers } from '../../../plugins/mover-s3-objectstore/body-buffers.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('files are read into reused buffers; a buffer is reused only after it was given back', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const a = randomBytes(300_000);
  const b = randomBytes(200_000);
  await writeFile(join(dir.path, 'a'), a);
  await writeFile(join(dir.path, 'b'), b);
  const pool = new BodyBuffers(2, 1 << 20);
  const ra = (await pool.read(join(dir.path, 'a'), a.length))!;
  const rb = (await pool.read(join(dir.path, 'b'), b.length))!;
  t.true(ra.body.equals(a) && rb.body.equals(b));
  t.not(ra.buffer, rb.buffer, 'two uploads in flight never share memory');
  pool.give(ra.buffer);
  const again = (await pool.read(join(dir.path, 'b'), b.length))!;
  t.is(again.buffer, ra.buffer, 'the buffer given back is used again');
  t.true(again.body.equals(b));
});

test('a file that grew or shrank since it was measured, or is too big to pool, is left to the caller', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const data = randomBytes(10_000);
  await writeFile(join(dir.path, 'f'), data);
  const pool = new BodyBuffers(2, 64 * 1024);
  t.is(await pool.read(join(dir.path, 'f'), 9_999), undefined, 'grew');
  t.is(await pool.read(join(dir.path, 'f'), 10_001), undefined, 'shrank');
  t.is(await pool.read(join(dir.path, 'f'), 100_000), undefined, 'above the pooled size');
  t.true((await pool.read(join(dir.path, 'f'), 10_000))!.body.equals(data));
});
