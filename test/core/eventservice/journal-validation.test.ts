/**
 * The reader checks every journal line: shape (types, ranges, range-id rule, checksums) and
 * legal transition (the tracker's rules). A bad line is an error naming the line and the
 * field; only a torn last line is tolerated. Issue 13: a forged `stored` + `final finished`
 * was replayed, and a record of the wrong shape crashed recovery with `rec.acked is not iterable`.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_FILE, PilotError, RangeJournal, RangeTracker, readRangeJournal, silentLogger, type EventRange } from '../../../core/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

const [A, B, C, D] = ['9-77-1-1-1', '9-77-1-2-1', '9-77-1-3-1', '9-77-1-4-1'];
const range = (id: string): EventRange => ({ id, startEvent: 1, lastEvent: 2, lfn: 'EVNT.1', guid: '0a1b2c3d-0000-4000-8000-00000000000a', wire: { eventRangeID: id, startEvent: 1, lastEvent: 2, LFN: 'EVNT.1', GUID: '0a1b2c3d-0000-4000-8000-00000000000a' } });
const object = (id: string) => ({ path: `/w/HITS.1.${id}`, objectName: `HITS.1.${id}`, url: `file:///os/HITS.1.${id}`, size: 3, checksum: 'ad:00000001', mover: 'local' });
type Rec = Record<string, unknown>;
const header = (workdir: string, over: Rec = {}): Rec => ({ t: 'job', v: 1, job: { pandaId: '77', outputLfns: ['HITS.1'], workdir, createdAt: 1, ...over } });
const fetched = (...ids: string[]): Rec => ({ t: 'fetched', ts: 1, ranges: ids.map(range) });
const sent = (id: string): Rec => ({ t: 'sent', ts: 2, id, peer: '00010203' });
const output = (id: string): Rec => ({ t: 'output', ts: 3, id, paths: [`/w/HITS.1.${id}`], cpu: 1.5 });
const stored = (id: string): Rec => ({ t: 'stored', ts: 4, id, objects: [object(id)] });
const final = (id: string, status = 'finished', code?: number): Rec => ({ t: 'final', ts: 4, id, outcome: { status, ...(code ? { code } : {}) } });
const reported = (acked: unknown, rejected: unknown = []): Rec => ({ t: 'reported', ts: 5, acked, rejected });

/** A journal as the tracker writes it: A finished and acknowledged, B output, C failed, D fetched. */
const legit = (workdir: string): Rec[] => [
  header(workdir), fetched(A, B, C, D), sent(A), sent(B), sent(C), output(A), stored(A), final(A), reported([A]), output(B), final(C, 'failed', 1220),
];

async function journalOf(t: { teardown(fn: () => Promise<void>): void }, recs: (Rec | string)[], tail = '\n') {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const path = join(dir.path, JOURNAL_FILE);
  const lines = recs.map((r) => (typeof r === 'string' ? r : JSON.stringify(r)));
  await writeFile(path, lines.join('\n') + tail);
  return { path, dir: dir.path };
}

async function refused(t: import('ava').ExecutionContext, recs: (Rec | string)[] | ((dir: string) => (Rec | string)[]), message: RegExp, tail = '\n') {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const path = join(dir.path, JOURNAL_FILE);
  const list = typeof recs === 'function' ? recs(dir.path) : recs;
  await writeFile(path, list.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + tail);
  const e = await t.throwsAsync(readRangeJournal(path), { instanceOf: PilotError });
  t.is(e?.code, 1303);
  t.regex(e?.message ?? '', message);
}

test('a journal written by the tracker reads back; the reader checks it without complaint', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const path = join(dir.path, JOURNAL_FILE);
  const journal = await RangeJournal.create(path, { pandaId: '77', outputLfns: ['HITS.1'], workdir: dir.path, createdAt: 1 });
  const tracker = new RangeTracker(journal, silentLogger);
  const peer = Buffer.from([1, 2, 3]);
  await tracker.addFetched([range(A), range(B), range(C), range(D)]);
  for (const id of [A, B, C]) tracker.markSent(id, peer);
  await tracker.acceptOutput(A, peer, ['/w/HITS.1.a'], 0.5, 1);
  await tracker.finishStored(A, [object(A)]);
  tracker.markReported([A], []);
  await tracker.acceptOutput(B, peer, ['/w/HITS.1.b']);
  await tracker.decide(B, { status: 'failed', code: 1137, diag: 'x' });
  await tracker.decide(C, { status: 'fatal', code: 1228 });
  tracker.markReported([], [B]);
  await journal.append({ t: 'closed', ts: Date.now() });
  await journal.close();
  const snap = await readRangeJournal(path, { pandaId: '77', workdir: dir.path, outputLfns: ['HITS.1'] });
  t.deepEqual([...snap.ranges.values()].map((s) => [s.phase, s.outcome?.status, s.report]), [
    ['reported', 'finished', 'acked'], ['reported', 'failed', 'rejected'], ['final', 'fatal', undefined], ['fetched', undefined, undefined],
  ]);
  t.true(snap.closed);
  t.is(snap.tornLine, undefined);
});

test('a torn last line (no newline) is ignored and its number reported; nothing else is tolerated', async (t) => {
  const { path, dir } = await journalOf(t, [], '');
  const lines = legit(dir).map((r) => JSON.stringify(r));
  await writeFile(path, `${lines.join('\n')}\n{"t":"final","ts":9,"id":"${B}","outc`);
  const snap = await readRangeJournal(path);
  t.true(snap.tornTail);
  t.is(snap.tornLine, lines.length + 1);
  t.is(snap.ranges.get(B)?.phase, 'output');
  t.is(snap.records, lines.length);
  // The same cut line followed by a newline is not a torn append: it is corruption.
  await writeFile(path, `${lines.join('\n')}\n{"t":"final","ts":9,"id":"${B}","outc\n`);
  const e = await t.throwsAsync(readRangeJournal(path), { instanceOf: PilotError });
  t.regex(e?.message ?? '', new RegExp(`line ${lines.length + 1} is not JSON`));
});

test('garbage or an empty line in the middle is an error naming the line', async (t) => {
  await refused(t, (d) => { const l: (Rec | string)[] = legit(d); l.splice(3, 0, 'garbage'); return l; }, /line 4 is not JSON/);
  await refused(t, (d) => { const l: (Rec | string)[] = legit(d); l.splice(5, 0, ''); return l; }, /line 6 is empty/);
  await refused(t, ['{"t":"job","v":1'], /has no job header/, '');
});

test('records of the wrong shape: the field is named, with what was expected and found', async (t) => {
  const cases: [Rec, RegExp][] = [
    [reported('x'), /line 10: field acked: expected a list, got "x"/],
    [reported([A], {}), /field rejected: expected a list, got an object/],
    [{ t: 'sent', ts: 2, id: 123 }, /field id: expected an event range id .*got number 123/],
    [{ t: 'sent', ts: 2, id: '../../x' }, /field id: expected an event range id/],
    [{ t: 'sent', ts: 2, id: B, peer: 'XY' }, /field peer: expected a routing id in lowercase hex/],
    [{ t: 'sent', ts: -1, id: B }, /field ts: expected an integer from 0/],
    [{ t: 'fetched', ts: 1, ranges: [{ ...range('9-77-2-1-1'), startEvent: 1e300 }] }, /field ranges\[0\]\.startEvent: expected an integer from 0 to 2\^53/],
    [{ t: 'fetched', ts: 1, ranges: [{ ...range('9-77-2-1-1'), lastEvent: 0 }] }, /field ranges\[0\]\.lastEvent: expected a number ≥ startEvent/],
    [{ t: 'fetched', ts: 1, ranges: [{ ...range('9-77-2-1-1'), wire: { eventRangeID: A } }] }, /field ranges\[0\]\.wire\.eventRangeID: expected the range's id/],
    [{ t: 'fetched', ts: 1, ranges: [{ ...range('9-77-2-1-1'), wire: { x: [1] } }] }, /field ranges\[0\]\.wire\.x: expected a string or a number/],
    [{ t: 'fetched', ts: 1, ranges: [] }, /field ranges: expected at least one range/],
    [{ t: 'output', ts: 3, id: D, paths: [] }, /field paths: expected at least one path/],
    [{ t: 'output', ts: 3, id: D, paths: ['/w/x'], cpu: 'lots' }, /field cpu: expected a number of seconds/],
    [{ t: 'stored', ts: 4, id: B, objects: [{ ...object(B), checksum: 'ad:xyz' }] }, /field objects\[0\]\.checksum: expected ad:<8 hex digits> or md5:<32 hex digits>/],
    [{ t: 'stored', ts: 4, id: B, objects: [{ ...object(B), size: '3' }] }, /field objects\[0\]\.size/],
    [{ t: 'stored', ts: 4, id: B, objects: [{ ...object(B), url: undefined }] }, /field objects\[0\]\.url: expected a non-empty string, got nothing/],
    [{ t: 'final', ts: 4, id: B, outcome: { status: 'done' } }, /field outcome\.status: expected finished, failed or fatal/],
    [{ t: 'final', ts: 4, id: B, outcome: 'finished' }, /field outcome: expected an object/],
    [{ t: 'explode', ts: 1 }, /field t: expected a record type/],
    [{ t: 'job', v: 3, job: {} }, /field v: expected a journal version \(1 or 2\)/],
    // Version 2 stores a range once, as the server sent it; the event-range parser checks it.
    [{ t: 'fetched', ts: 1, wire: [{ ...range('9-77-2-1-1').wire, GUID: '../x' }] }, /field wire\[0\]\.GUID: expected a GUID/],
    [{ t: 'fetched', ts: 1, wire: [{ ...range('9-77-2-1-1').wire, lastEvent: 0 }] }, /field wire\[0\]\.lastEvent: expected a number ≥ startEvent/],
    [{ t: 'fetched', ts: 1, wire: [] }, /field wire: expected a list of at least one range/],
  ];
  for (const [rec, message] of cases) await refused(t, (d) => [...legit(d).slice(0, 9), rec], message);
  await refused(t, ['[1,2]'], /line 1: field record: expected an object/);
  await refused(t, [{ t: 'job', v: 1, job: { pandaId: '77', outputLfns: 'HITS.1', workdir: '/w', createdAt: 1 } }], /line 1: field job\.outputLfns: expected a list/);
});

test('illegal transitions: a forged stored + final finished for a range with no output is refused', async (t) => {
  // D was fetched and never sent: no output, so nothing can be stored for it.
  await refused(t, (d) => [...legit(d), stored(D), final(D)], /line 12: field t: expected "stored" only for a range in phase output, got range 9-77-1-4-1 in phase fetched/);
  // Finished needs stored outputs.
  await refused(t, (d) => [...legit(d), final(B)], /line 12: field outcome\.status: expected finished only after the outputs are stored, got finished for range 9-77-1-2-1 in phase output/);
  // One final outcome (C is already failed; A is finished and reported).
  await refused(t, (d) => [...legit(d), final(C)], /field outcome: expected one final outcome per range/);
  await refused(t, (d) => [...legit(d), final(A, 'failed', 1137)], /got range 9-77-1-1-1 already finished \(phase reported\)/);
  // A failure needs a range the payload had.
  await refused(t, (d) => [...legit(d), final(D, 'failed', 1137)], /failed only for a range sent to the payload, got failed for range 9-77-1-4-1 in phase fetched/);
  // A range the journal never fetched, a repeated fetch, sending twice, outputs twice.
  await refused(t, (d) => [...legit(d), sent('9-77-5-5-5')], /field id: expected a range fetched earlier in the journal, got unknown range 9-77-5-5-5/);
  await refused(t, (d) => [...legit(d), fetched('9-77-6-1-1', C)], /field ranges\[1\]\.id: expected a range not fetched before, got 9-77-1-3-1 again/);
  await refused(t, (d) => [...legit(d), fetched('9-77-6-1-1', '9-77-6-1-1')], /field ranges\[1\]\.id/);
  await refused(t, (d) => [...legit(d), sent(A)], /"sent" only for a range in phase fetched/);
  await refused(t, (d) => [...legit(d), output(B)], /"output" only for a range in phase sent, got range 9-77-1-2-1 in phase output/);
  await refused(t, (d) => [...legit(d), { ...stored(B), objects: [object(B), object(B)] }], /field objects: expected one stored object per output path \(1\), got 2/);
  // Reports only for decided, unreported ranges, each once.
  await refused(t, (d) => [...legit(d), reported([B])], /field acked\[0\]: expected a range with a final outcome not yet reported, got range 9-77-1-2-1 in phase output/);
  await refused(t, (d) => [...legit(d), reported([A])], /got range 9-77-1-1-1 in phase reported/);
  await refused(t, (d) => [...legit(d), reported([C], [C])], /field rejected\[0\]: .*got range 9-77-1-3-1 in phase reported/);
  // The header: first and once.
  await refused(t, (d) => [fetched(A), header(d)], /line 1: field t: expected the job header as the first record, got a "fetched" record/);
  await refused(t, (d) => [...legit(d), header(d)], /line 12: field t: expected one job header per journal/);
});

test('a recovery may turn an unacknowledged finished into failed, once; nothing else after a final', async (t) => {
  const { path } = await journalOf(t, [header('/w'), fetched(B), sent(B), output(B), stored(B), final(B), final(B, 'failed', 1137)]);
  const snap = await readRangeJournal(path);
  t.like(snap.ranges.get(B), { phase: 'final', outcome: { status: 'failed', code: 1137 } });
  await refused(t, [header('/w'), fetched(B), sent(B), output(B), stored(B), final(B), final(B, 'failed', 1137), final(B, 'failed', 1137)], /line 8: field outcome: expected one final outcome/);
  await refused(t, [header('/w'), fetched(B), sent(B), output(B), stored(B), final(B), final(B, 'fatal', 1228)], /line 7: field outcome/);
  // A stored range with no final (the pilot died between the two) may still be failed by a recovery.
  const stillStored = await journalOf(t, [header('/w'), fetched(B), sent(B), output(B), stored(B), final(B, 'failed', 1137)]);
  t.is((await readRangeJournal(stillStored.path)).ranges.get(B)?.outcome?.status, 'failed');
});

test('the header must be the recovered job\'s: PandaID, outputs and work directory', async (t) => {
  const { path, dir } = await journalOf(t, []);
  await writeFile(path, legit(dir).map((r) => JSON.stringify(r)).join('\n') + '\n');
  const expect = { pandaId: '77', workdir: dir, outputLfns: ['HITS.1'] };
  t.is((await readRangeJournal(path, expect)).job.pandaId, '77');
  t.is((await readRangeJournal(path, { ...expect, workdir: `${dir}/.` })).job.pandaId, '77', 'the same directory spelled differently');
  const other = async (e: typeof expect, message: RegExp) => {
    const err = await t.throwsAsync(readRangeJournal(path, e), { instanceOf: PilotError });
    t.is(err?.code, 1303);
    t.regex(err?.message ?? '', message);
  };
  await other({ ...expect, pandaId: '78' }, /line 1 is the header of another job: job\.pandaId: expected 78, got "77"/);
  await other({ ...expect, outputLfns: ['HITS.2'] }, /job\.outputLfns: expected the job's outputs \["HITS.2"\]/);
  await other({ ...expect, workdir: '/elsewhere' }, /job\.workdir: expected \/elsewhere/);
});

test('a range stored inside a premerge zip: the reader accepts the zip it names, and refuses a malformed one', async (t) => {
  const zip = { lfn: 'EventService_premerge_9-77-1-2-1.zip', ranges: 2 };
  const inZip = (id: string): Rec => ({ t: 'stored', ts: 4, id, objects: [{ ...object(id), url: `file:///os/${zip.lfn}`, size: 500, zip }] });
  const { path } = await journalOf(t, [header('/w'), fetched(A, B), sent(A), sent(B), output(A), output(B), inZip(A), inZip(B), final(A), final(B)]);
  const snap = await readRangeJournal(path);
  t.deepEqual([...snap.ranges.values()].map((r) => r.stored?.[0]?.zip), [zip, zip]);
  await refused(t, (d) => [...legit(d).slice(0, 9), { ...inZip(B), objects: [{ ...object(B), zip: { lfn: '', ranges: 2 } }] }], /field objects\[0\]\.zip\.lfn: expected a non-empty string/);
  await refused(t, (d) => [...legit(d).slice(0, 9), { ...inZip(B), objects: [{ ...object(B), zip: { lfn: zip.lfn, ranges: 0 } }] }], /field objects\[0\]\.zip\.ranges: expected at least 1/);
  await refused(t, (d) => [...legit(d).slice(0, 9), { ...inZip(B), objects: [{ ...object(B), zip: 'z.zip' }] }], /field objects\[0\]\.zip: expected an object/);
});
