import test from 'ava';
import { execFile } from 'node:child_process';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CHECKPOINT_FILE, JOURNAL_FILE, RangeJournal, RangeTracker, packageRoot, pendingWork, readRangeJournal, replayRangeJournal, silentLogger,
} from '../../../core/index.js';
import { largeJournalRange, writeLargeJournal } from '../../helpers/large-journal.js';
import { tempDir } from '../../helpers/temp-dir.js';

const run = promisify(execFile);
const header = (workdir: string) => ({ pandaId: '77', outputLfns: ['HITS.1'], workdir, createdAt: 1 });
const MiB = 1024 * 1024;
/** The replay goal (issue 16): a 1M-range job's journal replays in ≤ 256 MiB. */
const REPLAY_RSS_LIMIT = 256 * MiB;

test('a journal of 480,000 ranges (past where the whole-file reader broke) replays in a 192 MiB heap, ≤ 256 MiB RSS', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const path = join(dir.path, JOURNAL_FILE);
  const n = 480_000;
  const big = await writeLargeJournal(path, header(dir.path), n);
  t.true(big.bytes > 256 * MiB, `the journal is larger than the memory the replay may use (${big.bytes} bytes)`);
  // A child with a small heap: a reader that held the file, or every range, runs out of memory.
  const script = `
    const { replayRangeJournal, pendingWork } = await import(${JSON.stringify(join(packageRoot(), 'dist', 'core', 'index.js'))});
    const snap = await replayRangeJournal(${JSON.stringify(path)}, { pandaId: '77', workdir: ${JSON.stringify(dir.path)}, outputLfns: ['HITS.1'] });
    const w = pendingWork(snap);
    const ids = (l) => l.map((s) => s.range.id);
    console.log(JSON.stringify({ tally: snap.tally, records: snap.records, held: snap.ranges.size, upload: ids(w.upload), inFlight: ids(w.inFlight), report: ids(w.report), undispatched: ids(w.undispatched), maxRss: process.resourceUsage().maxRSS * 1024 }));`;
  const { stdout } = await run(process.execPath, ['--max-old-space-size=192', '--input-type=module', '-e', script], { maxBuffer: 16 * MiB });
  const r = JSON.parse(stdout) as { tally: { ranges: number; finished: number; nEvents: number }; records: number; held: number; upload: string[]; inFlight: string[]; report: string[]; undispatched: string[]; maxRss: number };
  const done = n - 20;
  t.is(r.tally.ranges, done);
  t.is(r.tally.finished, done);
  t.is(r.tally.nEvents, done * 10);
  t.is(r.held, 20, 'only the unfinished ranges are held');
  t.deepEqual(r.upload, big.unfinished.output);
  t.deepEqual(r.inFlight, big.unfinished.sent);
  t.deepEqual(r.report, big.unfinished.final);
  t.deepEqual(r.undispatched, big.unfinished.fetched);
  t.true(r.maxRss <= REPLAY_RSS_LIMIT, `peak RSS ${Math.round(r.maxRss / MiB)} MiB`);
});

test('checkpoints: a replay starts at the last one and rebuilds what a full read does; one that does not match the journal is not believed', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const path = join(dir.path, JOURNAL_FILE);
  const journal = await RangeJournal.create(path, header(dir.path), { checkpointEvery: 40 });
  const tracker = new RangeTracker(journal, silentLogger);
  const peer = Buffer.from([1, 2, 3]);
  const ranges = Array.from({ length: 120 }, (_, i) => largeJournalRange(i));
  for (let i = 0; i < ranges.length; i += 10) {
    await tracker.addFetched(ranges.slice(i, i + 10));
    for (const r of ranges.slice(i, i + 10)) {
      tracker.markSent(r.id, peer);
      const k = Number(r.id.split('-')[3]);
      if (k % 7 === 3) continue; // in flight
      await tracker.acceptOutput(r.id, peer, [`/w/o.${r.id}`], 1);
      if (k % 7 === 4) continue; // output not stored yet
      if (k % 7 === 5) await tracker.decide(r.id, { status: 'failed', code: 1220 });
      else await tracker.finishStored(r.id, [{ path: `/w/o.${r.id}`, objectName: `o.${r.id}`, url: `file:///s/o.${r.id}`, size: 1, checksum: 'ad:00000001', mover: 'local' }]);
      if (k % 7 !== 6) tracker.markReported([r.id], []); // 6: decided, not acknowledged
    }
  }
  await journal.close();
  t.true(journal.stats.checkpoints >= 3, `${journal.stats.checkpoints} checkpoints`);
  const expected = tracker.summary();
  const full = await readRangeJournal(path);
  const snap = await replayRangeJournal(path);
  t.true(snap.checkpoint !== undefined && 'offset' in snap.checkpoint && snap.checkpoint.offset > 0, JSON.stringify(snap.checkpoint));
  t.is(snap.records, full.records);
  t.deepEqual([...snap.ranges.keys()].sort(), [...full.ranges.values()].filter((s) => s.phase !== 'reported').map((s) => s.range.id).sort());
  const resumed = RangeTracker.fromSnapshot(snap, journal, silentLogger);
  t.deepEqual(resumed.summary(), expected, 'the checkpoint tally and the held ranges add up to what the live tracker counted');
  const work = pendingWork(snap);
  t.is(work.inFlight.length, expected.inFlight);
  t.is(work.upload.length, expected.pendingOutputs);
  t.is(work.report.length, expected.unreported);

  // Forged or stale: the journal's line before the offset changed, the header is another job's, the file is cut.
  const cpPath = join(dir.path, CHECKPOINT_FILE);
  const cp = await readFile(cpPath, 'utf8');
  const head = JSON.parse(cp.slice(0, cp.indexOf('\n'))) as { offset: number };
  const original = await readFile(path);
  const forged = Buffer.from(original);
  // A digit of the last record's time: still a valid journal, no longer the one the checkpoint saw.
  const at = original.lastIndexOf('"ts":', head.offset) + 6;
  forged[at] = forged[at] === 0x31 ? 0x32 : 0x31;
  for (const [what, change, why] of [
    ['a changed journal line', () => writeFile(path, forged), /is not the one it names/],
    ['another job', () => writeFile(cpPath, cp.replace('"pandaId":"77"', '"pandaId":"78"')), /job header is not the journal's/],
    ['a bad range line', () => writeFile(cpPath, `${cp}{"t":"range","wire":{"eventRangeID":"x"},"phase":"sent"}\n`), /field wire\[0\]\.eventRangeID/],
  ] as const) {
    await writeFile(path, original);
    await writeFile(cpPath, cp);
    await change();
    const again = await replayRangeJournal(path);
    t.true(again.checkpoint !== undefined && 'refused' in again.checkpoint, what);
    t.regex((again.checkpoint as { refused: string }).refused, why, what);
    t.deepEqual(RangeTracker.fromSnapshot(again, journal, silentLogger).summary(), expected, `${what}: the whole journal gives the same`);
  }
  // Appends after a reopen continue the journal; the old checkpoint still lines up.
  await writeFile(path, original);
  await writeFile(cpPath, cp);
  await appendFile(path, '{"t":"closed","ts":9}\n');
  const after = await replayRangeJournal(path);
  t.true(after.closed && after.checkpoint !== undefined && 'offset' in after.checkpoint);
  t.true((await stat(cpPath)).size > 0);
});
