import test from 'ava';
import { CompactStringSet, JOURNAL_FILE, RangeJournal, RangeTracker, silentLogger, type EventRange } from '../../../core/index.js';
import { join } from 'node:path';
import { tempDir } from '../../helpers/temp-dir.js';

test('members are exactly what was added: PanDA ids, paths named after them, odd strings, in any order', (t) => {
  const set = new CompactStringSet();
  const members = new Set<string>();
  const add = (s: string) => {
    t.is(set.add(s), !members.has(s), s);
    members.add(s);
  };
  // Shuffled ids of several files and attempts, per-worker paths, runs that cannot be numbers.
  const ids = Array.from({ length: 3000 }, (_, i) => `31247654-6543210987-${1000 + (i % 3)}-${i}-${1 + (i % 2)}`);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  for (const id of ids) add(id);
  for (const id of ids.slice(0, 50)) add(id);
  for (let i = 0; i < 200; i++) add(`/scratch/job/worker_${i % 8}/HITS.pool.root.1.1-77-1-${i}-1`);
  for (const odd of ['', 'abc', '007', '0', '-0-', 'x9007199254740993y', '1234567890123456', 'a\u0000b1', 'a\u0000b1\u0000', 'r-1-2', 'r-1-02', 'r-01-2']) add(odd);
  t.is(set.size, members.size);
  t.deepEqual([...set].sort(), [...members].sort());
  for (const m of members) t.true(set.has(m), m);
  for (const not of ['31247654-6543210987-1000-3000-1', '31247654-6543210987-1001-0-1', '31247654-6543210987-1000-00-1', '/scratch/job/worker_8/HITS.pool.root.1.1-77-1-0-1', 'r-1-3', '00', 'a\u0000b2', '31247654-6543210987-\u0000-1-1']) {
    t.false(set.has(not), not);
  }
});

test('a million PanDA range ids cost a few bytes each, where a Set of the strings costs ~80', (t) => {
  const set = new CompactStringSet();
  for (let i = 1; i <= 1_000_000; i++) set.add(`31247654-6543210987-1000-${i}-1`);
  t.is(set.size, 1_000_000);
  t.true(set.has('31247654-6543210987-1000-777777-1'));
  t.false(set.has('31247654-6543210987-1000-1000001-1'));
  // One template, one small integer per 30 ids: the structure's own size, not the heap's.
  const words = (set as unknown as { templates: Map<string, Map<number, number>> }).templates;
  t.is(words.size, 2, 'the first id picks a template before the varying run is known; every other id shares one');
  t.true([...words.values()].reduce((a, m) => a + m.size, 0) <= 1_000_000 / 30 + 2);
});

const range = (id: string): EventRange =>
  Object.freeze({ id, startEvent: 1, lastEvent: 1, lfn: 'EVNT.1', guid: '0a1b2c3d-0000-4000-8000-00000000000a', wire: { eventRangeID: id, startEvent: 1, lastEvent: 1, LFN: 'EVNT.1', GUID: '0a1b2c3d-0000-4000-8000-00000000000a' } });

test('a done range (report answered) is forgotten, yet a repeat of it is refused and its outputs stay out of the log', async (t) => {
  const dir = await tempDir();
  const journal = await RangeJournal.create(join(dir.path, JOURNAL_FILE), { pandaId: '77', outputLfns: ['HITS.1'], workdir: dir.path, createdAt: 1 });
  t.teardown(async () => { await journal.close(); await dir.remove(); });
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (m: string) => { warnings.push(m); } } as typeof silentLogger;
  const tracker = new RangeTracker(journal, log);
  const peer = Buffer.from([1]);
  const ids = Array.from({ length: 100 }, (_, i) => `1-77-1-${i + 1}-1`);
  await tracker.addFetched(ids.map(range));
  for (const [i, id] of ids.entries()) {
    tracker.markSent(id, peer);
    await tracker.acceptOutput(id, peer, [`worker_${i % 4}/HITS.1.${id}`, 'shared.log']);
    if (i % 2) await tracker.decide(id, { status: 'failed', code: 1220 });
    else await tracker.finishStored(id, [{ path: `/w/HITS.1.${id}`, objectName: `HITS.1.${id}`, url: `file:///os/HITS.1.${id}`, size: 1, checksum: 'ad:00000001', mover: 'local' }]);
  }
  tracker.markReported(ids.slice(0, 60), ids.slice(60, 90));
  t.is(tracker.unfinished, 10, 'the 90 answered ranges left the map');
  t.deepEqual((await tracker.addFetched([range(ids[0]!), range(ids[75]!), range(ids[95]!), range('1-77-1-101-1')])).map((r) => r.id), ['1-77-1-101-1']);
  t.is(warnings.filter((w) => /again; ignoring the repeat/.test(w)).length, 3);
  t.is(tracker.check(ids[3], peer), 'final', 'a report on a done range is refused as final');
  const expected = new Set(['shared.log', ...ids.map((id, i) => `worker_${i % 4}/HITS.1.${id}`)]);
  t.deepEqual([...new Set(tracker.outputPaths())].sort(), [...expected].sort());
});
