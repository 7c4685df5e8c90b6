import test from 'ava';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  JOURNAL_FILE, PilotError, RangeJournal, RangeTracker, pendingWork, readRangeJournal, silentLogger, type EventRange,
} from '../../../core/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Range ids as PanDA makes them (`<task>-<PandaID>-<file>-<process>-<attempt>`): the reader refuses others. */
const [R1, R2, R3, R4] = ['1-77-1-1-1', '1-77-1-2-1', '1-77-1-3-1', '1-77-1-4-1'];
const [A, B, C, UNKNOWN, LAST] = ['1-77-2-1-1', '1-77-2-2-1', '1-77-2-3-1', '1-77-9-9-9', '1-77-4-1-1'];
const header = (workdir: string) => ({ pandaId: '77', outputLfns: ['HITS.1'], workdir, createdAt: 1 });
const range = (id: string, start = 1, last = 1): EventRange =>
  Object.freeze({ id, startEvent: start, lastEvent: last, lfn: 'EVNT.1', guid: '0a1b2c3d-0000-4000-8000-00000000000a', wire: { eventRangeID: id, startEvent: start, lastEvent: last, LFN: 'EVNT.1', GUID: '0a1b2c3d-0000-4000-8000-00000000000a' } });
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
  await tracker.addFetched([range(R1), range(R2, 2, 5), range(R3), range(R4)]);
  tracker.markSent(R1, peerA);
  tracker.markSent(R2, peerA);
  tracker.markSent(R3, peerA);
  t.is(await tracker.acceptOutput(R1, peerA, ['/w/HITS.1.r1'], 1, 2), 'accepted');
  t.true(await tracker.finishStored(R1, stored(R1)));
  t.false(await tracker.decide(R1, { status: 'failed', code: 1137 }), 'a stored range already has its final state');
  tracker.markReported([R1], []);
  t.is(await tracker.acceptOutput(R2, peerA, ['/w/HITS.1.r2']), 'accepted');
  t.true(await tracker.decide(R3, { status: 'failed', code: 1220, diag: 'ERR_ATHENAMP_PROCESS: x' }));

  const snap = await readRangeJournal(path);
  t.false(snap.tornTail);
  t.false(snap.closed);
  t.is(snap.job.pandaId, '77');
  t.deepEqual([...snap.ranges.keys()], [R1, R2, R3, R4]);
  t.is(snap.ranges.get(R1)?.phase, 'reported');
  t.is(snap.ranges.get(R1)?.report, 'acked');
  t.deepEqual(snap.ranges.get(R1)?.stored, stored(R1));
  t.is(snap.ranges.get(R1)?.peer, peerA.toString('hex'), 'the worker a range was sent to is journaled');
  t.deepEqual(snap.ranges.get(R2)?.range, range(R2, 2, 5));
  const work = pendingWork(snap);
  t.deepEqual(work.upload.map((s) => s.range.id), [R2]);
  t.deepEqual(work.report.map((s) => [s.range.id, s.outcome?.status, s.outcome?.code]), [[R3, 'failed', 1220]]);
  t.deepEqual(work.undispatched.map((s) => s.range.id), [R4]);
  t.deepEqual(work.inFlight, []);
});

test('reports for unknown, unsent, duplicate or foreign-peer ranges are refused; one final state per range', async (t) => {
  const { tracker } = await fresh(t);
  await tracker.addFetched([range(A), range(B)]);
  t.is(tracker.check(A, peerA), 'unknown-peer');
  tracker.markSent(A, peerA);
  t.is(await tracker.acceptOutput(UNKNOWN, peerA, ['/w/x']), 'unknown-range');
  t.is(await tracker.acceptOutput(B, peerA, ['/w/x']), 'not-sent');
  t.is(await tracker.acceptOutput(A, peerB, ['/w/x']), 'unknown-peer');
  // peerB gets a range of its own: it still may not report on peerA's.
  tracker.markSent(B, peerB);
  t.is(await tracker.acceptOutput(A, peerB, ['/w/x']), 'wrong-peer');
  t.is(tracker.check(B, peerA), 'wrong-peer');
  const [first, second] = await Promise.all([tracker.acceptOutput(A, peerA, ['/w/x']), tracker.acceptOutput(A, peerA, ['/w/x'])]);
  t.deepEqual([first, second], ['accepted', 'duplicate']);
  await t.throwsAsync(tracker.decide(A, { status: 'finished' }), { message: /before its outputs are stored/ });
  t.true(await tracker.decide(A, { status: 'failed', code: 1137 }));
  t.false(await tracker.decide(A, { status: 'fatal', code: 1228 }));
  t.false(await tracker.finishStored(A, stored(A)));
  t.is(tracker.check(A, peerA), 'final');
  t.is(tracker.summary().lostOutputs, 1);
});

test('the server repeating a range does not make it twice', async (t) => {
  const { tracker } = await fresh(t);
  t.is((await tracker.addFetched([range(A), range(B)])).length, 2);
  t.deepEqual((await tracker.addFetched([range(B), range(C)])).map((r) => r.id), [C]);
  t.is(tracker.summary().fetched, 3);
});

test('a torn last line is ignored by the reader and cut by reopen; corruption elsewhere is an error', async (t) => {
  const { path, tracker, journal } = await fresh(t);
  await tracker.addFetched([range(A)]);
  await journal.close();
  await appendFile(path, '{"t":"sent","ts":1,"i');
  const snap = await readRangeJournal(path);
  t.true(snap.tornTail);
  t.is(snap.ranges.get(A)?.phase, 'fetched');
  const again = await RangeJournal.reopen(path);
  const tracker2 = RangeTracker.fromSnapshot(snap, again, silentLogger);
  tracker2.markSent(A, peerA);
  await again.close();
  const snap2 = await readRangeJournal(path);
  t.false(snap2.tornTail);
  t.is(snap2.ranges.get(A)?.phase, 'sent');

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
  const ranges = Array.from({ length: 200 }, (_, i) => range(`1-77-3-${i}-1`));
  await tracker.addFetched(ranges);
  ranges.forEach((r) => tracker.markSent(r.id, peerA));
  await tracker.addFetched([range(LAST)]); // a durable record after lazy ones makes them durable too
  const snap = await readRangeJournal(path);
  t.is(snap.records, 1 + 1 + 200 + 1);
  t.true(ranges.every((r) => snap.ranges.get(r.id)?.phase === 'sent'));
  t.true(journal.stats.writes < 10, `${journal.stats.writes} writes for ${journal.stats.records} records`);
});
