import test from 'ava';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncBatcher, type SyncOps } from '../../../core/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Sync calls that complete only when the test says so, counted. */
function heldOps() {
  const calls: Array<{ what: string; done: boolean; release: () => void; fail: (e: Error) => void }> = [];
  const op = (what: string) => new Promise<void>((resolve, reject) => {
    const c = { what, done: false, release: () => { c.done = true; resolve(); }, fail: reject };
    calls.push(c);
  });
  const ops: SyncOps = { datasync: (fh) => op(`fd${fh.fd}`), syncDir: (dir) => op(dir) };
  return { ops, calls };
}

const turn = () => new Promise((r) => setImmediate(r));

test('requests of one turn share a batch (each file and folder synced once); later ones wait for the next; none resolves before its sync completed', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const a = await open(join(dir.path, 'a'), 'w');
  const b = await open(join(dir.path, 'b'), 'w');
  t.teardown(async () => { await a.close(); await b.close(); });
  const { ops, calls } = heldOps();
  const s = new SyncBatcher(ops);
  const resolved: string[] = [];
  const track = (name: string, p: Promise<void>) => p.then(() => resolved.push(name));
  const first = [track('a1', s.file(a)), track('a2', s.file(a)), track('b', s.file(b)), track('d1', s.dir(dir.path)), track('d2', s.dir(dir.path))];
  await turn();
  await turn();
  t.is(calls.length, 3, 'a, b and the folder once each');
  t.deepEqual(s.stats, { requests: 5, fileSyncs: 2, dirSyncs: 1, batches: 1 });
  // Asked while the batch is on the disk: the folder may hold a rename made after its sync began.
  const late = track('d3', s.dir(dir.path));
  await turn();
  t.is(calls.length, 3, 'no second batch while the first runs');
  calls[0]!.release();
  await turn();
  t.deepEqual(resolved, ['a1', 'a2'], 'a\'s waiters, and only them');
  calls[1]!.release();
  calls[2]!.release();
  await Promise.all(first);
  await turn();
  t.false(resolved.includes('d3'), 'the late request waits for its own sync');
  t.is(calls.length, 4);
  t.is(calls[3]!.what, dir.path);
  calls[3]!.release();
  await late;
  t.is(s.stats.batches, 2);
});

test('a failed sync rejects its own waiters only', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const a = await open(join(dir.path, 'a'), 'w');
  t.teardown(() => a.close());
  const { ops, calls } = heldOps();
  const s = new SyncBatcher(ops);
  const file = s.file(a);
  const folder = s.dir(dir.path);
  await turn();
  calls[0]!.fail(Object.assign(new Error('EIO'), { code: 'EIO' }));
  calls[1]!.release();
  await t.throwsAsync(file, { message: 'EIO' });
  await t.notThrowsAsync(folder);
});

test('the system calls: a real file and folder are synced', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const fh = await open(join(dir.path, 'x'), 'w');
  t.teardown(() => fh.close());
  await fh.write('data');
  const s = new SyncBatcher();
  await Promise.all([s.file(fh), s.dir(dir.path)]);
  t.like(s.stats, { fileSyncs: 1, dirSyncs: 1 });
});
