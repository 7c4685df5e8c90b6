import test from 'ava';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, realpath, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OutputNamer, PilotError, StageOutQueue, bindDestination, silentLogger, type BoundDestination, type OutputFile } from '../../../core/index.js';
import { makeRun } from '../../helpers/make-run.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A job dir and an object store four folders deep in one temp dir, so `../../../../tmp/x` would land inside the test's own folder. */
async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const root = await tempDir();
  const run = await makeRun();
  t.teardown(async () => { await run.dispose(); await root.remove(); });
  const job = join(root.path, 'job');
  const store = join(root.path, 'a', 'b', 'c', 'es');
  await mkdir(job);
  await mkdir(store, { recursive: true });
  const bound = bindDestination(run.resolver, { activity: 'es_events', direction: 'out', base: pathToFileURL(store).href, names: ['local'], missing: '' });
  if (!bound.destination) throw bound.error;
  return { root: root.path, job, store, primary: bound.destination };
}

/** Pushes one upload and waits for the queue's verdict on it. */
async function upload(primary: BoundDestination, files: OutputFile[]) {
  const verdicts: Array<{ stored?: unknown; failed?: PilotError }> = [];
  const q = new StageOutQueue({
    concurrency: 2, primary, log: silentLogger,
    onStored: async (_id, objects) => { verdicts.push({ stored: objects }); },
    onFailed: async (_id, error) => { verdicts.push({ failed: error }); },
  });
  q.push({ rangeId: 'R-1', files });
  await q.drain();
  return verdicts;
}

test('an object name from a server LFN ../../../../tmp/x that reached the queue unvalidated: the range fails with 1303, nothing is written outside the store', async (t) => {
  const { root, job, store, primary } = await setup(t);
  await writeFile(join(job, 'out.R-1'), 'range output');
  const verdicts = await upload(primary, [{ localPath: join(job, 'out.R-1'), objectName: '../../../../tmp/x.R-1', within: job }]);
  t.is(verdicts.length, 1);
  t.is(verdicts[0]!.failed?.code, 1303);
  t.is(verdicts[0]!.stored, undefined, 'not stored, so never reported finished');
  t.false(existsSync(join(root, 'tmp')), 'no object and no checksum catalog outside the store');
  t.deepEqual(await readdir(store), []);
});

test('the namer refuses a range whose object name would leave the store (1303) and an output that is a hard link to an outside file (1165)', async (t) => {
  const { root, job } = await setup(t);
  await writeFile(join(job, 'out.R-1'), 'range output');
  const hostile = new OutputNamer({ workdir: job, outputLfns: ['../../../../tmp/x'], objectName: (lfn, id) => `${lfn}.${id}` });
  t.is((await t.throwsAsync(hostile.filesFor('R-1', ['out.R-1']), { instanceOf: PilotError }))?.code, 1303);
  const slashId = new OutputNamer({ workdir: job, outputLfns: ['HITS.1'], objectName: (lfn, id) => `${lfn}.${id}` });
  t.is((await t.throwsAsync(slashId.filesFor('x/../../../y', ['out.R-1']), { instanceOf: PilotError }))?.code, 1303, 'a range id that makes a dot segment');

  await writeFile(join(root, 'secret'), 'not the payload\'s');
  await link(join(root, 'secret'), join(job, 'HITS.1.R-2'));
  const e = await t.throwsAsync(slashId.filesFor('R-2', ['HITS.1.R-2']), { instanceOf: PilotError });
  t.is(e?.code, 1165);
  t.regex(e?.message ?? '', /2 hard links/);
});

test('an output checked by the namer and replaced by a hard link before its upload: the range fails, nothing is stored', async (t) => {
  const { root, job, store, primary } = await setup(t);
  const namer = new OutputNamer({ workdir: job, outputLfns: ['HITS.1'], objectName: (lfn, id) => `${lfn}.${id}` });
  await writeFile(join(job, 'HITS.1.R-1'), 'range output');
  const files = await namer.filesFor('R-1', ['HITS.1.R-1']);
  t.is(files[0]!.within, await realpath(job), 'the upload is told which folder the file must still be in');
  // Checked, then used later: the payload swaps the file for a link to one outside the job.
  await writeFile(join(root, 'secret'), 'not the payload\'s');
  await unlink(join(job, 'HITS.1.R-1'));
  await link(join(root, 'secret'), join(job, 'HITS.1.R-1'));
  const verdicts = await upload(primary, files);
  t.is(verdicts[0]!.failed?.code, 1165);
  t.deepEqual(await readdir(store), []);
});

test('aborted while a stored range is being recorded: drain() returns, settled() waits until the record is written (the journal must stay open until then)', async (t) => {
  const { job, primary } = await setup(t);
  await writeFile(join(job, 'out.R-1'), 'range output');
  const abort = new AbortController();
  let entered!: () => void;
  const recording = new Promise<void>((r) => { entered = r; });
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let recorded = false;
  const q = new StageOutQueue({
    concurrency: 2, primary, log: silentLogger, signal: abort.signal,
    onStored: async () => { entered(); await gate; recorded = true; },
    onFailed: async (_id, error) => { t.fail(error.message); },
  });
  q.push({ rangeId: 'R-1', files: [{ localPath: join(job, 'out.R-1'), objectName: 'out.R-1', within: job }] });
  await recording;
  abort.abort();
  await q.drain();
  let settled = false;
  const done = q.settled().then(() => { settled = true; });
  await new Promise((r) => setImmediate(r));
  t.false(settled, 'a range still being recorded keeps settled() open');
  release();
  await done;
  t.true(recorded, 'settled() resolved only after the record was written');
});
