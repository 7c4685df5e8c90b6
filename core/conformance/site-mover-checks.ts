/**
 * The checks every SiteMover passes (Rucio MgrTestCases style), against real storage. The
 * fixture gives a mover, a fresh empty location on the storage, and, where it can, a way to
 * change stored bytes behind the mover's back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// Through the package entry, as a plugin would: the suite checks only the public surface.
import { ErrorCodes, adler32, formatAdler32, containedUrl, type SiteMover } from '../index.js';
import { pilotErrorOf, type ConformanceCheck, type ConformanceFixture } from './conformance-check.js';

export interface MoverFixture extends ConformanceFixture {
  readonly mover: SiteMover;
  /** A fresh, empty location on the storage under test. */
  readonly baseUrl: string;
  /** Replaces the stored bytes of `url` with `bytes` without going through the mover; without it the tamper check does not run. */
  readonly tamper?: (url: string, bytes: Buffer) => Promise<void>;
}

const name = (s: string) => `${s}-${randomBytes(4).toString('hex')}`;
const adler = (b: Buffer) => formatAdler32(adler32(b));
const check = (c: ConformanceCheck<MoverFixture>) => c;

export const siteMoverChecks: readonly ConformanceCheck<MoverFixture>[] = Object.freeze([
  check({
    name: 'put, stat with recorded checksum, get byte-identical',
    async run(f, local) {
      const data = randomBytes(300_001);
      const src = join(local, 'src');
      await writeFile(src, data);
      const url = containedUrl(f.baseUrl, name('obj.pool.root.1'));
      const put = await f.mover.stageOut({ localPath: src, url });
      assert.equal(put.size, data.length, 'stage-out result size');
      assert.equal(put.checksum.type, 'adler32', 'stage-out result checksum type');
      assert.equal(put.checksum.value, adler(data), 'stage-out result adler32');
      const st = await f.mover.stat(url);
      assert.equal(st?.size, data.length, 'stat size after stage-out');
      assert.equal(st?.checksums.find((c) => c.type === 'adler32')?.value, adler(data), 'adler32 recorded or computed by the storage');
      const dst = join(local, 'back');
      const got = await f.mover.stageIn({ localPath: dst, url });
      assert.equal(got.checksum.value, adler(data), 'stage-in result adler32');
      assert.ok((await readFile(dst)).equals(data), 'bytes read back equal the bytes written');
    },
  }),
  check({
    name: 'stage-out verifies an expected checksum and size',
    async run(f, local) {
      const src = join(local, 'src');
      await writeFile(src, 'hello test\n');
      const url = containedUrl(f.baseUrl, name('v'));
      const ok = await f.mover.stageOut({ localPath: src, url, checksum: { type: 'adler32', value: '198d03ff' }, size: 11 });
      assert.equal(ok.checksum.value, '198d03ff');
      const bad = await pilotErrorOf(f.mover.stageOut({ localPath: src, url: containedUrl(f.baseUrl, name('w')), checksum: { type: 'adler32', value: '198d03fe' } }), 'stage-out with a wrong expected adler32');
      assert.equal(bad.code, ErrorCodes.PUTADMISMATCH, 'wrong expected checksum is PUTADMISMATCH (1172)');
    },
  }),
  check({
    name: 'missing source on stage-out: 1164, not recoverable',
    async run(f, local) {
      const e = await pilotErrorOf(f.mover.stageOut({ localPath: join(local, 'nope'), url: containedUrl(f.baseUrl, name('x')) }), 'stage-out of a missing file');
      assert.equal(e.code, ErrorCodes.MISSINGLOCALFILE, 'missing source is MISSINGLOCALFILE (1164)');
      assert.equal(e.recoverable, false, 'a missing source is not recoverable');
    },
  }),
  check({
    name: 'missing object on stage-in: 1103/1331, no local file left',
    async run(f, local) {
      const dst = join(local, 'dst');
      const e = await pilotErrorOf(f.mover.stageIn({ localPath: dst, url: containedUrl(f.baseUrl, name('absent')) }), 'stage-in of a missing object');
      assert.ok(e.code === ErrorCodes.NOSUCHFILE || e.code === ErrorCodes.MISSINGINPUTFILE, `missing object is 1103 or 1331, got ${e.code}`);
      assert.equal(existsSync(dst), false, 'no local file after a failed stage-in');
      assert.equal(await f.mover.stat(containedUrl(f.baseUrl, name('absent'))), undefined, 'stat of a missing object is undefined');
    },
  }),
  check({
    name: 'existing destination: refused without overwrite (1221), replaced with it',
    async run(f, local) {
      const a = join(local, 'a');
      const b = join(local, 'b');
      await writeFile(a, 'first version');
      await writeFile(b, 'second, longer version');
      const url = containedUrl(f.baseUrl, name('exists'));
      await f.mover.stageOut({ localPath: a, url });
      const e = await pilotErrorOf(f.mover.stageOut({ localPath: b, url, overwrite: false }), 'stage-out over an existing object with overwrite: false');
      assert.equal(e.code, ErrorCodes.FILEEXIST, 'existing destination is FILEEXIST (1221)');
      assert.equal((await f.mover.stat(url))?.size, 'first version'.length, 'the refused stage-out left the object as it was');
      await f.mover.stageOut({ localPath: b, url });
      const back = join(local, 'back');
      await f.mover.stageIn({ localPath: back, url });
      assert.equal(await readFile(back, 'utf8'), 'second, longer version', 'stage-out without overwrite: false replaces the object');
    },
  }),
  check({
    name: 'zero-size file round trip (adler32 00000001)',
    async run(f, local) {
      const src = join(local, 'empty');
      await writeFile(src, '');
      const url = containedUrl(f.baseUrl, name('empty'));
      const put = await f.mover.stageOut({ localPath: src, url });
      assert.equal(put.size, 0);
      assert.equal(put.checksum.value, '00000001');
      const back = join(local, 'back');
      await f.mover.stageIn({ localPath: back, url });
      assert.equal((await readFile(back)).length, 0);
    },
  }),
  check({
    name: 'tampered object detected on stage-in (1171), no local file left',
    notRunnable: (f) => (f.tamper ? undefined : 'no way to change stored bytes behind the mover (only file:// storage can be tampered with here)'),
    async run(f, local) {
      const data = randomBytes(4096);
      const src = join(local, 'src');
      await writeFile(src, data);
      const url = containedUrl(f.baseUrl, name('tamper'));
      await f.mover.stageOut({ localPath: src, url });
      const evil = Buffer.from(data);
      evil[100] = evil[100]! ^ 0xff;
      await f.tamper!(url, evil);
      const dst = join(local, 'dst');
      const e = await pilotErrorOf(f.mover.stageIn({ localPath: dst, url }), 'stage-in of a tampered object');
      assert.equal(e.code, ErrorCodes.GETADMISMATCH, 'tampered object is GETADMISMATCH (1171)');
      assert.equal(existsSync(dst), false, 'no local file after a checksum mismatch');
      const withExpected = await pilotErrorOf(f.mover.stageIn({ localPath: dst, url, checksum: { type: 'adler32', value: adler(data) } }), 'stage-in of a tampered object with the expected adler32');
      assert.equal(withExpected.code, ErrorCodes.GETADMISMATCH, 'tampered object with an expected checksum is GETADMISMATCH (1171)');
    },
  }),
  check({
    name: 'delete removes; deleting again succeeds',
    async run(f, local) {
      const src = join(local, 'src');
      await writeFile(src, 'bye');
      const url = containedUrl(f.baseUrl, name('del'));
      await f.mover.stageOut({ localPath: src, url });
      await f.mover.delete(url);
      assert.equal(await f.mover.stat(url), undefined, 'stat after delete is undefined');
      await f.mover.delete(url);
    },
  }),
]);
