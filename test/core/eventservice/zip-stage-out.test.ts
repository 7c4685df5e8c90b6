/**
 * The premerge zip stager with a real local mover: a zip is sealed at maxBytes, at maxWaitS or
 * when drained; its ranges are stored with objects that name the zip; a zip that cannot be
 * made fails every range in it and leaves nothing behind.
 */
import test from 'ava';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ZipStageOutQueue, bindDestination, premergeZipName, silentLogger, type PilotError, type StoredObject } from '../../../core/index.js';
import { makeRun } from '../../helpers/make-run.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { readZipEntries } from '../../helpers/zip-reader.js';

async function setup(t: import('ava').ExecutionContext, zip: { maxRanges?: number; maxBytes?: number; maxWaitS?: number }) {
  const root = await tempDir();
  const run = await makeRun();
  t.teardown(async () => { await run.dispose(); await root.remove(); });
  const job = join(root.path, 'job');
  const store = join(root.path, 'es');
  await Promise.all([job, store].map((d) => import('node:fs/promises').then((fs) => fs.mkdir(d))));
  const bound = bindDestination(run.resolver, { activity: 'es_events', direction: 'out', base: pathToFileURL(store).href, names: ['local'], missing: '' });
  if (!bound.destination) throw bound.error;
  const stored = new Map<string, readonly StoredObject[]>();
  const failed = new Map<string, PilotError>();
  let notify = () => {};
  const q = new ZipStageOutQueue({
    concurrency: 2, primary: bound.destination, log: silentLogger, workdir: job,
    zip: { enabled: true, maxRanges: 100, maxBytes: 1 << 30, maxWaitS: 600, ...zip },
    onStored: async (id, objects) => { stored.set(id, objects); notify(); },
    onFailed: async (id, err) => { failed.set(id, err); notify(); },
  });
  const output = async (id: string, bytes: number) => {
    const localPath = join(job, `HITS.1.${id}`);
    await writeFile(localPath, Buffer.alloc(bytes, id));
    return { rangeId: id, files: [{ localPath, objectName: `HITS.1.${id}`, within: job }] };
  };
  const settled = (n: number) => new Promise<void>((resolve) => {
    notify = () => { if (stored.size + failed.size >= n) resolve(); };
    notify();
  });
  return { q, job, store, stored, failed, output, settled };
}

test('maxBytes seals a zip; the rest goes at drain; every range is stored in exactly one zip that holds its output', async (t) => {
  const h = await setup(t, { maxBytes: 150 });
  for (const id of ['R-1', 'R-2', 'R-3']) h.q.push(await h.output(id, 100));
  await h.q.drain();
  t.is(h.failed.size, 0);
  t.deepEqual((await readdir(h.store)).filter((n) => !n.startsWith('.')).sort(), [premergeZipName('R-1'), premergeZipName('R-3')]);
  const first = await readZipEntries(join(h.store, premergeZipName('R-1')));
  t.deepEqual(first.map((e) => e.name), ['HITS.1.R-1', 'HITS.1.R-2']);
  t.true(first[1]!.data.equals(Buffer.alloc(100, 'R-2')));
  t.like(h.stored.get('R-2')![0], { objectName: 'HITS.1.R-2', zip: { lfn: premergeZipName('R-1'), ranges: 2 } });
  t.like(h.stored.get('R-3')![0], { zip: { lfn: premergeZipName('R-3'), ranges: 1 } });
  t.regex(h.stored.get('R-1')![0]!.url, /EventService_premerge_R-1\.zip$/);
  t.deepEqual((await readdir(h.job)).filter((n) => n.endsWith('.zip')), [], 'no zip left in the job directory');
});

test('maxWaitS seals a lone range\'s zip without a drain', async (t) => {
  const h = await setup(t, { maxWaitS: 0.2 });
  h.q.push(await h.output('R-9', 10));
  await h.settled(1);
  t.like(h.stored.get('R-9')![0], { zip: { lfn: premergeZipName('R-9'), ranges: 1 } });
});

test('an output that vanished before zipping: every range of that zip fails (1137), nothing is stored or left behind', async (t) => {
  const h = await setup(t, {});
  h.q.push(await h.output('R-1', 10));
  h.q.push({ rangeId: 'R-2', files: [{ localPath: join(h.job, 'gone'), objectName: 'HITS.1.R-2', within: h.job }] });
  await h.q.drain();
  t.deepEqual([...h.failed.keys()].sort(), ['R-1', 'R-2']);
  t.true([...h.failed.values()].every((e) => e.code === 1137));
  t.is(h.stored.size, 0);
  t.deepEqual((await readdir(h.store)).filter((n) => !n.startsWith('.')), []);
  t.deepEqual((await readdir(h.job)).filter((n) => n.endsWith('.zip')), []);
});
