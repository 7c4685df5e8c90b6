import test from 'ava';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adler32, adler32Combine, checksumFile, checksumsEqual, formatAdler32, isDummyChecksum, parseChecksum, PilotError } from '../../../core/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('adler32 vectors from the reference', (t) => {
  t.is(formatAdler32(adler32(Buffer.from('hello test\n'))), '198d03ff');
  t.is(formatAdler32(adler32(Buffer.alloc(0))), '00000001');
});

test('adler32 is incremental and combinable over any split', (t) => {
  const data = randomBytes(200_003);
  const whole = adler32(data);
  for (const cut of [0, 1, 5551, 5552, 5553, 100_000, 200_003]) {
    const a = data.subarray(0, cut);
    const b = data.subarray(cut);
    t.is(adler32(b, adler32(a)), whole, `incremental at ${cut}`);
    t.is(adler32Combine(adler32(a), adler32(b), b.length), whole, `combine at ${cut}`);
  }
});

test('adler32 of long runs of 0xff stays within the modulus (NMAX chunking)', (t) => {
  // Python: '%08x' % zlib.adler32(b'\xff' * 1_000_000)
  t.is(formatAdler32(adler32(Buffer.alloc(1_000_000, 0xff))), '3843e1be');
});

test('parseChecksum reads PanDA notations and skips dummies', (t) => {
  t.deepEqual(parseChecksum('ad:198D03FF'), { type: 'adler32', value: '198d03ff' });
  t.deepEqual(parseChecksum('ad:98d03ff'), { type: 'adler32', value: '098d03ff' });
  t.deepEqual(parseChecksum('md5:D41D8CD98F00B204E9800998ECF8427E'), { type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' });
  t.deepEqual(parseChecksum('md:d41d8cd98f00b204e9800998ecf8427e')?.type, 'md5');
  t.deepEqual(parseChecksum('198d03ff')?.type, 'adler32');
  t.deepEqual(parseChecksum('d41d8cd98f00b204e9800998ecf8427e')?.type, 'md5');
  for (const dummy of ['', '0', '00000000', '0'.repeat(32), 'NULL', 'ad:00000000']) t.is(parseChecksum(dummy), undefined, dummy);
  t.true(isDummyChecksum('NULL'));
  const e = t.throws(() => parseChecksum('sha1:abcd'), { instanceOf: PilotError });
  t.is(e?.code, 1314);
  t.throws(() => parseChecksum('ad:xyz'), { message: /not hexadecimal/ });
});

test('checksumsEqual ignores case and leading zeros, never mixes types', (t) => {
  t.true(checksumsEqual({ type: 'adler32', value: '098D03FF' }, { type: 'adler32', value: '98d03ff' }));
  t.false(checksumsEqual({ type: 'adler32', value: '198d03ff' }, { type: 'adler32', value: '198d03fe' }));
  t.false(checksumsEqual({ type: 'adler32', value: '198d03ff' }, { type: 'md5', value: '198d03ff' }));
});

test('checksumFile gives size, adler32 and md5 of a file; missing file is 1164', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const path = join(dir.path, 'f');
  await writeFile(path, 'hello test\n');
  const sums = await checksumFile(path, ['adler32', 'md5']);
  t.is(sums.size, 11);
  t.is(sums.adler32.value, '198d03ff');
  t.is(sums.md5?.value.length, 32);
  const e = await t.throwsAsync(checksumFile(join(dir.path, 'missing')), { instanceOf: PilotError });
  t.is(e?.code, 1164);
});
