import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adler32, adler32Engine, adler32Js, checksumFile, formatAdler32 } from '../../../core/index.js';
import { createWasmAdler32 } from '../../../core/staging/adler32-wasm.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('the WASM SIMD kernel is what large inputs use here', (t) => {
  t.is(adler32Engine(), 'wasm');
});

test('WASM and JS agree on every length around the 16-byte step, the 32 KiB block and the 1 MiB buffer', (t) => {
  const data = randomBytes(3 * 1024 * 1024 + 77);
  const lengths = [0, 1, 15, 16, 17, 127, 128, 129, 4095, 32767, 32768, 32769, 65536 + 15, 1048575, 1048576, 1048577, data.length];
  for (const n of lengths) t.is(adler32(data.subarray(0, n)), adler32Js(data.subarray(0, n)), `length ${n}`);
  for (const offset of [1, 3, 7, 13]) t.is(adler32(data.subarray(offset, offset + 40_000)), adler32Js(data.subarray(offset, offset + 40_000)), `unaligned by ${offset}`);
});

test('WASM continues from any previous value, including unreduced ones', (t) => {
  const data = randomBytes(100_000);
  for (const previous of [1, 0, 0xffffffff, 0xfff0fff0, 0x12345678]) t.is(adler32(data, previous), adler32Js(data, previous), previous.toString(16));
});

test('worst case for lane overflow: 32 KiB blocks of 0xff', (t) => {
  const ff = Buffer.alloc(5 * 32 * 1024 + 5, 0xff);
  t.is(adler32(ff), adler32Js(ff));
  t.is(formatAdler32(adler32(Buffer.alloc(1_000_000, 0xff))), '3843e1be');
});

test('a kernel hashes in place in its own buffer', (t) => {
  const k = createWasmAdler32(64 * 1024)!;
  const data = randomBytes(50_000);
  k.buffer.set(data, 1000);
  t.is(k.hash(1000, 50_000, 1), adler32Js(data));
  t.is(k.hash(1000 + 20_000, 30_000, k.hash(1000, 20_000, 1)), adler32Js(data));
});

test('checksumFile matches Python zlib.adler32 on files around the read size', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const sizes = [0, 1, 1024 * 1024 - 1, 1024 * 1024, 2 * 1024 * 1024 + 1, 5 * 1024 * 1024 + 12345];
  const paths: string[] = [];
  for (const size of sizes) {
    const p = join(dir.path, `f${size}`);
    await writeFile(p, randomBytes(size));
    paths.push(p);
  }
  const script = 'import sys, zlib\nfor p in sys.argv[1:]: print("%08x" % (zlib.adler32(open(p, "rb").read()) & 0xffffffff))';
  const { stdout } = await promisify(execFile)('python3', ['-c', script, ...paths]);
  const expected = stdout.trim().split('\n');
  for (const [i, p] of paths.entries()) {
    const sums = await checksumFile(p);
    t.is(sums.adler32.value, expected[i], p);
    t.is(sums.size, sizes[i]);
  }
});
