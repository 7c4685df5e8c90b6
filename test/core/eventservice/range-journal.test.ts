import test from 'ava';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  JOURNAL_FILE, PilotError, RangeJournal, RangeTracker, pendingWork, readRangeJournal, silentLogger, type EventRange,
} from '../../../core/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

const header = (workdir: string) => ({ pandaId: '77', outputLfns: ['HITS.1'], workdir, createdAt: 1 });
const range = (id: string, start = 1, last = 1): EventRange =>
  Object.freeze({ id, startEvent: start, lastEvent: last, lfn: 'EVNT.1', guid: 'G', wire: { eventRangeID: id, startEvent: start, lastEvent: last, LFN: 'EVNT.1', GUID: 'G' } });
const peerA = Buffer.from([0, 1, 2, 3, 4]);
const peerB = Buffer.from([0, 9, 9, 9, 9]);

async function fresh(t: { teardown(fn: () => Promise<void> | void): void }) {
  const dir = await tempDir();
  const path = join(dir.path, JOURNAL_FILE);
  const journal = await RangeJournal.create(path, header(dir.path));
  const tracker = new RangeTracker(journal, silentLogger);
  t.teardown(async () => { await journal.close(); await dir.remove(); });
  return { dir, path, journal, tracker };
}

const stored = (id: string) => [{ path: `/w/HITS.1.${id}`, objectName: `HITS.1.${id}`, url: `file:///os/HITS.1.${id}`, size: 3, checksum: 'ad:00000001', mover: 'local' }];

test('every transition is on disk when its promise resolves, and the reader rebuilds the same states', async (t) => {
  const { path, tracker } = await fresh(t);
  await tracker.addFetched([range('r1'), range('r2', 2, 5), range('r3'), range('r4')]);
  tracker.markSent('r1', peerA);
  tracker.markSent('r2', peerA);
  tracker.markSent('r3', peerA);
  t.is(await tracker.acceptOutput('r1', peerA, ['/w/HITS.1.r1'], 1, 2), 'accepted');
  t.true(await tracker.finishStored('r1', stored('r1')));
  t.false(await tracker.decide('r1', { status: 'failed', code: 1137 }), 'a stored range already has its final state');
  tracker.markReported(['r1'], []);
  t.is(await tracker.acceptOutput('r2', peerA, ['/w/HITS.1.r2']), 'accepted');
  t.true(await tracker.decide('r3', { status: 'failed', code: 1220, diag: 'ERR_ATHENAMP_PROCESS: x' }));

  const snap = await readRangeJournal(path);
  t.false(snap.tornTail);
  t.false(snap.closed);
  t.is(snap.job.pandaId, '77');
  t.deepEqual([...snap.ranges.keys()], ['r1', 'r2', 'r3', 'r4']);
  t.is(snap.ranges.get('r1')?.phase, 'reported');
  t.is(snap.ranges.get('r1')?.report, 'acked');
  t.deepEqual(snap.ranges.get('r1')?.stored, stored('r1'));
  t.is(snap.ranges.get('r1')?.peer, peerA.toString('hex'), 'the worker a range was sent to is journaled');
  t.deepEqual(snap.ranges.get('r2')?.range, range('r2', 2, 5));
  const work = pendingWork(snap);
  t.deepEqual(work.upload.map((s) => s.range.id), ['r2']);
  t.deepEqual(work.report.map((s) => [s.range.id, s.outcome?.status, s.outcome?.code]), [['r3', 'failed', 1220]]);
  t.deepEqual(work.undispatched.map((s) => s.range.id), ['r4']);
  t.deepEqual(work.inFlight, []);
});

test('reports for unknown, unsent, duplicate or foreign-peer ranges are refused; one final state per range', async (t) => {
  const { tracker } = await fresh(t);
  await tracker.addFetched([range('a'), range('b')]);
  t.is(tracker.check('a', peerA), 'unknown-peer');
  tracker.markSent('a', peerA);
  t.is(await tracker.acceptOutput('zzz', peerA, ['/w/x']), 'unknown-range');
  t.is(await tracker.acceptOutput('b', peerA, ['/w/x']), 'not-sent');
  t.is(await tracker.acceptOutput('a', peerB, ['/w/x']), 'unknown-peer');
  // peerB gets a range of its own: it still may not report on peerA's.
  tracker.markSent('b', peerB);
  t.is(await tracker.acceptOutput('a', peerB, ['/w/x']), 'wrong-peer');
  t.is(tracker.check('b', peerA), 'wrong-peer');
  const [first, second] = await Promise.all([tracker.acceptOutput('a', peerA, ['/w/x']), tracker.acceptOutput('a', peerA, ['/w/x'])]);
  t.deepEqual([first, second], ['accepted', 'duplicate']);
  await t.throwsAsync(tracker.decide('a', { status: 'finished' }), { message: /before its outputs are stored/ });
  t.true(await tracker.decide('a', { status: 'failed', code: 1137 }));
  t.false(await tracker.decide('a', { status: 'fatal', code: 1228 }));
  t.false(await tracker.finishStored('a', stored('a')));
  t.is(tracker.check('a', peerA), 'final');
  t.is(tracker.summary().lostOutputs, 1);
});

test('the server repeating a range does not make it twice', async (t) => {
  const { tracker } = await fresh(t);
  t.is((await tracker.addFetched([range('a'), range('b')])).length, 2);
  t.deepEqual((await tracker.addFetched([range('b'), range('c')])).map((r) => r.id), ['c']);
  t.is(tracker.summary().fetched, 3);
});

test('a torn last line is ignored by the reader and cut by reopen; corruption elsewhere is an error', async (t) => {
  const { path, tracker, journal } = await fresh(t);
  await tracker.addFetched([range('a')]);
  await journal.close();
  await appendFile(path, '{"t":"sent","ts":1,"i');
  const snap = await readRangeJournal(path);
  t.true(snap.tornTail);
  t.is(snap.ranges.get('a')?.phase, 'fetched');
  const again = await RangeJournal.reopen(path);
  const tracker2 = RangeTracker.fromSnapshot(snap, again, silentLogger);
  tracker2.markSent('a', peerA);
  await again.close();
  const snap2 = await readRangeJournal(path);
  t.false(snap2.tornTail);
  t.is(snap2.ranges.get('a')?.phase, 'sent');

  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  lines[1] = 'garbage';
  await writeFile(path, lines.join('\n'));
  const e = await t.throwsAsync(readRangeJournal(path), { instanceOf: PilotError });
  t.is(e?.code, 1303);
  t.regex(e?.message ?? '', /line 2/);
});

test('create refuses an existing journal; a closed journal refuses appends', async (t) => {
  const { path, dir, journal } = await fresh(t);
  const e = await t.throwsAsync(RangeJournal.create(path, header(dir.path)), { instanceOf: PilotError });
  t.is(e?.code, 1303);
  await journal.close();
  await t.throwsAsync(journal.append({ t: 'closed', ts: 1 }), { instanceOf: PilotError });
});

test('concurrent appends are group-committed and all land in order', async (t) => {
  const { path, tracker, journal } = await fresh(t);
  const ranges = Array.from({ length: 200 }, (_, i) => range(`r${i}`));
  await tracker.addFetched(ranges);
  ranges.forEach((r) => tracker.markSent(r.id, peerA));
  await tracker.addFetched([range('last')]); // a durable record after lazy ones makes them durable too
  const snap = await readRangeJournal(path);
  t.is(snap.records, 1 + 1 + 200 + 1);
  t.true(ranges.every((r) => snap.ranges.get(r.id)?.phase === 'sent'));
  t.true(journal.stats.writes < 10, `${journal.stats.writes} writes for ${journal.stats.records} records`);
});
