import test from 'ava';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  PilotError, SyncBatcher, checkOutputFile, containedUrl, openOutputSource, silentLogger, stageOutTo,
  type BoundDestination, type SiteMover, type TransferRequest,
} from '../../../core/index.js';
import { LocalMover } from '../../../plugins/mover-local/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function dirs(t: { teardown(fn: () => Promise<void>): void }) {
  const root = await tempDir();
  t.teardown(() => root.remove());
  const job = join(root.path, 'job');
  const outside = join(root.path, 'outside');
  const store = join(root.path, 'store');
  for (const d of [job, outside, store]) await mkdir(d);
  await writeFile(join(outside, 'secret'), 'the secret\n');
  return { job, outside, store };
}

/**
 * A destination at `store` whose mover is the real local mover, `before` run first inside its
 * stageOut (the payload racing the upload), `after` once the object is stored.
 */
function destination(store: string, before?: (req: TransferRequest) => Promise<void>, after?: (req: TransferRequest) => Promise<void>): BoundDestination {
  const local = new LocalMover(silentLogger, new SyncBatcher());
  const mover: SiteMover = {
    stageOut: async (req) => {
      await before?.(req);
      const r = await local.stageOut(req);
      await after?.(req);
      return r;
    },
    stageIn: (req) => local.stageIn(req),
    stat: (url) => local.stat(url),
    delete: (url) => local.delete(url),
  } as SiteMover;
  const base = pathToFileURL(store).href;
  return {
    activity: 'pw', base, scheme: 'file', candidates: [{ name: 'local', mover }],
    retry: { attempts: 1, backoffBaseMs: 1, backoffMaxMs: 1 }, url: (name) => containedUrl(base, name), fileUrl: (f) => containedUrl(base, f.lfn),
  };
}

test('symbolic links, hard links to outside files, folders and FIFOs are refused (1165); a plain file passes', async (t) => {
  const { job, outside } = await dirs(t);
  await symlink(join(outside, 'secret'), join(job, 'sym'));
  await link(join(outside, 'secret'), join(job, 'hard'));
  await mkdir(join(job, 'dir'));
  execFileSync('mkfifo', [join(job, 'fifo')]);
  await writeFile(join(job, 'ok'), 'mine');
  for (const [name, why] of [['sym', /symbolic link/], ['hard', /2 hard links/], ['dir', /not a regular file/], ['fifo', /not a regular file/]] as const) {
    const e = t.throws(() => openOutputSource(join(job, name), job), { instanceOf: PilotError }, name);
    t.is(e?.code, 1165, name);
    t.regex(e?.message ?? '', why);
  }
  t.is(t.throws(() => openOutputSource(join(job, 'absent'), job), { instanceOf: PilotError })?.code, 1164);
  t.is(checkOutputFile(join(job, 'ok'), job), join(job, 'ok'));
});

test('a file reached through a symlinked folder is refused by its real path', async (t) => {
  const { job, outside } = await dirs(t);
  await symlink(outside, join(job, 'link-dir'));
  await writeFile(join(outside, 'plain'), 'x');
  const e = t.throws(() => openOutputSource(join(job, 'link-dir', 'plain'), job), { instanceOf: PilotError });
  t.regex(e?.message ?? '', /outside the job's work directory/);
  t.is(checkOutputFile(join(outside, 'plain')), join(outside, 'plain'), 'without a folder to stay in, any real file passes');
});

test('the movers read the checked file: swapped for a hard link to a secret after the check, the original bytes are read and the upload refused (1303)', async (t) => {
  const { job, outside, store } = await dirs(t);
  const out = join(job, 'HITS.1');
  await writeFile(out, 'payload output\n');
  let uploaded = '';
  const dest = destination(store, async () => {
    // The race the check used to lose: the path now names a link to a file outside the job.
    await rename(out, join(job, 'moved-away'));
    await link(join(outside, 'secret'), out);
  }, async (req) => { uploaded = await readFile(join(store, 'HITS.1'), 'utf8'); t.not(req.localPath, out); });
  const e = await t.throwsAsync(stageOutTo(dest, { localPath: out, url: dest.url('HITS.1') }, silentLogger, dest.retry, { within: job }), { instanceOf: PilotError });
  t.is(uploaded, 'payload output\n', 'the mover read the inode that was checked, never the secret');
  t.is(e?.code, 1303, 'a file renamed during its upload is not used');
  t.false(existsSync(join(store, 'HITS.1')), 'the unused upload is deleted');
});

test('a file that changes while it is uploaded is refused (1303) and its object deleted', async (t) => {
  const { job, store } = await dirs(t);
  const out = join(job, 'HITS.2');
  await writeFile(out, 'first part\n');
  const dest = destination(store, async (req) => {
    t.regex(req.localPath, /^\/proc\/\d+\/fd\/\d+$/, 'the mover is handed the opened descriptor');
    t.is(readFileSync(req.localPath, 'utf8'), 'first part\n');
  });
  const growing = destination(store, async () => { appendFileSync(out, 'more\n'); });
  t.truthy(await stageOutTo(dest, { localPath: out, url: dest.url('HITS.2') }, silentLogger, dest.retry, { within: job }));
  await unlink(join(store, 'HITS.2'));
  const e = await t.throwsAsync(stageOutTo(growing, { localPath: out, url: growing.url('HITS.2') }, silentLogger, growing.retry, { within: job }), { instanceOf: PilotError });
  t.is(e?.code, 1303);
  t.regex(e?.message ?? '', /changed while it was uploaded/);
  t.false(existsSync(join(store, 'HITS.2')), 'the unused upload is deleted');
});

test('stageOutTo refuses a hard link to a file outside the job before any mover runs', async (t) => {
  const { job, outside, store } = await dirs(t);
  await link(join(outside, 'secret'), join(job, 'HITS.3'));
  let called = false;
  const dest = destination(store, async () => { called = true; });
  const e = await t.throwsAsync(stageOutTo(dest, { localPath: join(job, 'HITS.3'), url: dest.url('HITS.3') }, silentLogger, dest.retry, { within: job }), { instanceOf: PilotError });
  t.is(e?.code, 1165);
  t.false(called);
  t.false(existsSync(join(store, 'HITS.3')));
});
