/**
 * The shared suite every SiteMover passes (Rucio MgrTestCases style). A mover's test file
 * calls `siteMoverConformance(test, 'name', setup)` with a factory that gives a mover, a base
 * URL on real storage, and a way to tamper with a stored object behind the mover's back.
 */
import type { ExecutionContext, TestFn } from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PilotError, adler32, formatAdler32, objectUrl, type SiteMover } from '../../core/index.js';
import { tempDir } from '../helpers/temp-dir.js';

export interface MoverFixture {
  readonly mover: SiteMover;
  /** A fresh, empty location on the storage under test. */
  readonly baseUrl: string;
  /** Replaces the stored bytes of `url` with `bytes` without going through the mover. */
  tamper(url: string, bytes: Buffer): Promise<void>;
  teardown(): Promise<void>;
}

export function siteMoverConformance(test: TestFn, label: string, setup: () => Promise<MoverFixture>): void {
  const withFixture = (title: string, body: (f: MoverFixture, local: string, t: ExecutionContext) => Promise<void>) =>
    test(`${label} conformance: ${title}`, async (t) => {
      const f = await setup();
      const dir = await tempDir('espilot-conf-');
      try {
        await body(f, dir.path, t);
      } finally {
        await f.teardown();
        await dir.remove();
      }
    });

  const name = (s: string) => `${s}-${randomBytes(4).toString('hex')}`;
  const adler = (b: Buffer) => formatAdler32(adler32(b));

  withFixture('put, stat with recorded checksum, get byte-identical', async (f, local, t) => {
    const data = randomBytes(300_001);
    const src = join(local, 'src');
    await writeFile(src, data);
    const url = objectUrl(f.baseUrl, name('obj.pool.root.1'));
    const put = await f.mover.stageOut({ localPath: src, url });
    t.is(put.size, data.length);
    t.is(put.checksum.type, 'adler32');
    t.is(put.checksum.value, adler(data));
    const st = await f.mover.stat(url);
    t.is(st?.size, data.length);
    t.is(st?.checksums.find((c) => c.type === 'adler32')?.value, adler(data), 'checksum recorded or computed by the storage');
    const dst = join(local, 'back');
    const got = await f.mover.stageIn({ localPath: dst, url });
    t.is(got.checksum.value, adler(data));
    t.true((await readFile(dst)).equals(data));
  });

  withFixture('stage-out verifies an expected checksum and size', async (f, local, t) => {
    const src = join(local, 'src');
    await writeFile(src, 'hello test\n');
    const url = objectUrl(f.baseUrl, name('v'));
    const ok = await f.mover.stageOut({ localPath: src, url, checksum: { type: 'adler32', value: '198d03ff' }, size: 11 });
    t.is(ok.checksum.value, '198d03ff');
    const bad = await t.throwsAsync(f.mover.stageOut({ localPath: src, url: objectUrl(f.baseUrl, name('w')), checksum: { type: 'adler32', value: '198d03fe' } }), { instanceOf: PilotError });
    t.is(bad?.code, 1172);
  });

  withFixture('missing source on stage-out: 1164, not recoverable', async (f, local, t) => {
    const e = await t.throwsAsync(f.mover.stageOut({ localPath: join(local, 'nope'), url: objectUrl(f.baseUrl, name('x')) }), { instanceOf: PilotError });
    t.is(e?.code, 1164);
    t.false(e?.recoverable);
  });

  withFixture('missing object on stage-in: 1103/1331, no local file left', async (f, local, t) => {
    const dst = join(local, 'dst');
    const e = await t.throwsAsync(f.mover.stageIn({ localPath: dst, url: objectUrl(f.baseUrl, name('absent')) }), { instanceOf: PilotError });
    t.true(e?.code === 1103 || e?.code === 1331, `code ${e?.code}`);
    t.false(existsSync(dst));
    t.is(await f.mover.stat(objectUrl(f.baseUrl, name('absent'))), undefined);
  });

  withFixture('existing destination: refused without overwrite (1221), replaced with it', async (f, local, t) => {
    const a = join(local, 'a');
    const b = join(local, 'b');
    await writeFile(a, 'first version');
    await writeFile(b, 'second, longer version');
    const url = objectUrl(f.baseUrl, name('exists'));
    await f.mover.stageOut({ localPath: a, url });
    const e = await t.throwsAsync(f.mover.stageOut({ localPath: b, url, overwrite: false }), { instanceOf: PilotError });
    t.is(e?.code, 1221);
    t.is((await f.mover.stat(url))?.size, 'first version'.length);
    await f.mover.stageOut({ localPath: b, url });
    const back = join(local, 'back');
    await f.mover.stageIn({ localPath: back, url });
    t.is(await readFile(back, 'utf8'), 'second, longer version');
  });

  withFixture('zero-size file round trip (adler32 00000001)', async (f, local, t) => {
    const src = join(local, 'empty');
    await writeFile(src, '');
    const url = objectUrl(f.baseUrl, name('empty'));
    const put = await f.mover.stageOut({ localPath: src, url });
    t.is(put.size, 0);
    t.is(put.checksum.value, '00000001');
    const back = join(local, 'back');
    await f.mover.stageIn({ localPath: back, url });
    t.is((await readFile(back)).length, 0);
  });

  withFixture('tampered object detected on stage-in (1171), no local file left', async (f, local, t) => {
    const data = randomBytes(4096);
    const src = join(local, 'src');
    await writeFile(src, data);
    const url = objectUrl(f.baseUrl, name('tamper'));
    await f.mover.stageOut({ localPath: src, url });
    const evil = Buffer.from(data);
    evil[100] = evil[100]! ^ 0xff;
    await f.tamper(url, evil);
    const dst = join(local, 'dst');
    const e = await t.throwsAsync(f.mover.stageIn({ localPath: dst, url }), { instanceOf: PilotError });
    t.is(e?.code, 1171);
    t.false(existsSync(dst));
    const withExpected = await t.throwsAsync(f.mover.stageIn({ localPath: dst, url, checksum: { type: 'adler32', value: adler(data) } }), { instanceOf: PilotError });
    t.is(withExpected?.code, 1171);
  });

  withFixture('delete removes; deleting again succeeds', async (f, local, t) => {
    const src = join(local, 'src');
    await writeFile(src, 'bye');
    const url = objectUrl(f.baseUrl, name('del'));
    await f.mover.stageOut({ localPath: src, url });
    await f.mover.delete(url);
    t.is(await f.mover.stat(url), undefined);
    await t.notThrowsAsync(f.mover.delete(url));
  });
}
