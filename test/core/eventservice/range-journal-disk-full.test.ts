/**
 * The range journal on a real full disk (a tmpfs): an append that meets ENOSPC rejects with
 * NOLOCALSPACE, so its caller never acts on it, and every later append is refused too; what
 * was durable before stays readable.
 */
import test from 'ava';
import { join } from 'node:path';
import { ErrorCodes, JOURNAL_FILE, RangeJournal, readRangeJournal, type EventRange } from '../../../core/index.js';
import { tinyDisk } from '../../helpers/tiny-disk.js';

const range = (id: string): EventRange =>
  Object.freeze({ id, startEvent: 1, lastEvent: 1, lfn: 'EVNT.1', guid: '0a1b2c3d-0000-4000-8000-00000000000a', wire: { eventRangeID: id, startEvent: 1, lastEvent: 1, LFN: 'EVNT.1', GUID: '0a1b2c3d-0000-4000-8000-00000000000a' } });

test.serial('ENOSPC on append: NOLOCALSPACE (recoverable) naming the journal, later appends refused, earlier records intact', async (t) => {
  const disk = await tinyDisk(1);
  t.teardown(() => disk.unmount());
  const path = join(disk.path, JOURNAL_FILE);
  const journal = await RangeJournal.create(path, { pandaId: '77', outputLfns: ['HITS.1'], workdir: disk.path, createdAt: 1 });
  t.teardown(() => journal.close());
  await journal.append({ t: 'fetched', ts: 1, ranges: [range('1-77-1-1-1')] });
  await disk.fill(0);
  const big = Array.from({ length: 200 }, (_, i) => range(`r-${i}-${'x'.repeat(64)}`));
  const err = await t.throwsAsync(journal.append({ t: 'fetched', ts: 2, ranges: big } as never));
  t.like(err, { code: ErrorCodes.NOLOCALSPACE, recoverable: true });
  t.regex(err!.message, new RegExp(`no space left on device \\(ENOSPC\\) writing range journal ${path}`));
  t.true(journal.failed);
  await disk.drain();
  // Space again does not revive it: a journal that lost a record must not go on.
  await t.throwsAsync(journal.append({ t: 'closed', ts: 3 }), { message: /ENOSPC/ });
  const snap = await readRangeJournal(path);
  t.deepEqual([...snap.ranges.keys()], ['1-77-1-1-1']);
});
