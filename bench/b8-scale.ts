/**
 * B8 (issue 16): scale. Rows:
 *  - a job of N zero-compute ranges (1M) through the pilot's serving loop
 *    (ZeroMQ channel, engine, tracker, journal with checkpoints; B1's loop, 8 simulator
 *    workers; quick: 2,000) in a child process of its own: µs per range beside the same loop at B1's size
 *    (10,000 ranges) in the same run (goal: the per-range cost stays ≤ 1.25× at scale), and
 *    the child's peak RSS (goal ≤ 200 MiB);
 *  - replay of that job's journal (`replayRangeJournal`, as `espilot recover` reads it) in a
 *    fresh child: seconds (goal ≤ 30 s) and peak RSS (goal ≤ 256 MiB), beside the same replay
 *    with the checkpoint removed (the whole journal, streamed);
 *  - a file:// object store: ranges/s of stage-out (local mover, 200-byte outputs, 4 at a
 *    time as stageOutConcurrency's default) plus the journal's stored + final records, with
 *    the run's fsync group commit, vs the path before it (perObjectSyncStageOut: the old
 *    mover's steps, an fsync each, and an O_DSYNC journal), interleaved (goal ≥ 2×).
 * The report-building rows (bench/b8-report-scale.ts) belong under B8 too: `rows` leaves
 * them to that module (see REPORT_ROWS below).
 *
 *   node dist/bench/b8-scale.js [--quick] [--json]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  CHECKPOINT_FILE, ChecksumAccumulator, JOURNAL_FILE, RangeJournal, SYSTEM_SYNC, SyncBatcher, checksumFile, createRun, replayRangeJournal, silentLogger,
  writeFileAtomic, type Checksum, type EventRange, type Syncer,
} from '../core/index.js';
import { LocalMover } from '../plugins/mover-local/index.js';
import { stats, type BenchRow } from './bench-stats.js';
import { benchMain, rounded } from './bench-support.js';
import { servePilotLoop } from './pilot-loop.js';

const run$ = promisify(execFile);
const MiB = 1024 * 1024;
/** Uploads at a time in the file:// store rows (eventService.stageOutConcurrency for a file:// store). */
const STORE_CONCURRENCY = Number(process.env['B8_STORE_CONCURRENCY'] ?? 4);

export interface B8Options {
  readonly quick?: boolean;
  readonly ranges?: number;
  /** Ranges in the file:// store runs, and its repetitions. */
  readonly storeRanges?: number;
  readonly reps?: number;
}

export interface B8Result {
  readonly id: 'B8';
  readonly ranges: number;
  readonly loop: { readonly usPerRange: number; readonly baselineUsPerRange: number; readonly peakRssMiB: number; readonly finished: number; readonly checkpoints: number; readonly journalMiB: number };
  readonly replay: { readonly seconds: number; readonly peakRssMiB: number; readonly fullSeconds: number; readonly fullPeakRssMiB: number; readonly held: number };
  readonly store: { readonly ranges: number; readonly batched: readonly number[]; readonly direct: readonly number[]; readonly syncsPerRange: number };
  readonly goals: { readonly scaleRatio: 1.25; readonly pilotRssMiB: 200; readonly replayS: 30; readonly replayRssMiB: 256; readonly storeRatio: 2 };
}

export async function run(options: B8Options = {}): Promise<B8Result> {
  const ranges = options.ranges ?? (options.quick ? 2000 : 1_000_000);
  const storeRanges = options.storeRanges ?? (options.quick ? 40 : 1000);
  const reps = options.reps ?? (options.quick ? 2 : 5);
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b8-'));
  try {
    const base = await child<LoopFigures>(['loop', String(Math.min(10_000, ranges)), join(dir, 'base')]);
    const loop = await child<LoopFigures>(['loop', String(ranges), join(dir, 'job')]);
    const replay = await child<ReplayFigures>(['replay', join(dir, 'job')]);
    await rm(join(dir, 'job', CHECKPOINT_FILE), { force: true });
    const full = await child<ReplayFigures>(['replay', join(dir, 'job')]);
    const batched: number[] = [];
    const direct: number[] = [];
    let syncsPerRange = 0;
    for (let rep = 0; rep < reps; rep++) {
      const b = await storeRate(join(dir, `store-b${rep}`), storeRanges, true);
      batched.push(b.rangesPerS);
      syncsPerRange = b.syncsPerRange;
      direct.push((await storeRate(join(dir, `store-d${rep}`), storeRanges, false)).rangesPerS);
    }
    return {
      id: 'B8', ranges,
      loop: { usPerRange: rounded(1e6 / loop.rangesPerS, 1), baselineUsPerRange: rounded(1e6 / base.rangesPerS, 1), peakRssMiB: rounded(loop.maxRss / MiB), finished: loop.finished, checkpoints: loop.checkpoints, journalMiB: rounded(loop.journalBytes / MiB) },
      replay: { seconds: rounded(replay.seconds, 2), peakRssMiB: rounded(replay.maxRss / MiB), fullSeconds: rounded(full.seconds, 2), fullPeakRssMiB: rounded(full.maxRss / MiB), held: replay.held },
      store: { ranges: storeRanges, batched: batched.map((v) => rounded(v)), direct: direct.map((v) => rounded(v)), syncsPerRange: rounded(syncsPerRange, 2) },
      goals: { scaleRatio: 1.25, pilotRssMiB: 200, replayS: 30, replayRssMiB: 256, storeRatio: 2 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The report-building rows (another module's: bench/b8-report-scale.ts) are appended by the
 * harness under the same id; this module's rows are the scale, replay and store rows.
 */
export function rows(r: B8Result): BenchRow[] {
  const one = (v: number) => stats([v]);
  const ratio = r.loop.usPerRange / r.loop.baselineUsPerRange;
  const storeRatios = r.store.batched.map((b, i) => b / r.store.direct[i]!);
  return [
    {
      id: 'B8', label: `dispatch + journal, ${r.ranges} ranges, 8 workers`, unit: 'µs/range', espilot: one(r.loop.usPerRange),
      baseline: { label: `the same loop, ${Math.min(10_000, r.ranges)} ranges (B1 size)`, stats: one(r.loop.baselineUsPerRange) },
      ratio: one(rounded(ratio, 3)), goal: `≤ ${r.goals.scaleRatio}× (cost per range holds)`, pass: ratio <= r.goals.scaleRatio,
    },
    { id: 'B8', label: `pilot peak RSS, ${r.ranges} ranges`, unit: 'MiB', espilot: one(r.loop.peakRssMiB), goal: `≤ ${r.goals.pilotRssMiB} MiB`, pass: r.loop.peakRssMiB <= r.goals.pilotRssMiB },
    {
      id: 'B8', label: `journal replay (checkpoint), ${r.ranges} ranges`, unit: 's', espilot: one(r.replay.seconds),
      baseline: { label: 'whole journal, streamed', stats: one(r.replay.fullSeconds) },
      ratio: one(rounded(r.replay.seconds / Math.max(1e-3, r.replay.fullSeconds), 3)), goal: `≤ ${r.goals.replayS} s`, pass: r.replay.seconds <= r.goals.replayS,
    },
    {
      id: 'B8', label: 'journal replay peak RSS', unit: 'MiB', espilot: one(r.replay.peakRssMiB),
      baseline: { label: 'whole journal, streamed', stats: one(r.replay.fullPeakRssMiB) },
      ratio: one(rounded(r.replay.peakRssMiB / Math.max(1, r.replay.fullPeakRssMiB), 3)), goal: `≤ ${r.goals.replayRssMiB} MiB`, pass: r.replay.peakRssMiB <= r.goals.replayRssMiB,
    },
    {
      id: 'B8', label: `file:// store, ${r.store.ranges} ranges (${r.store.syncsPerRange} syncs/range)`, unit: 'ranges/s', espilot: stats(r.store.batched),
      baseline: { label: 'per-object fsyncs (the path before), O_DSYNC journal', stats: stats(r.store.direct) },
      ratio: stats(storeRatios), goal: `≥ ${r.goals.storeRatio}×`, pass: stats(storeRatios).median >= r.goals.storeRatio,
    },
  ];
}

export function report(r: B8Result): string {
  return rows(r).map((x) => `  ${x.label}: ${x.espilot.median} ${x.unit}${x.baseline ? ` (baseline ${x.baseline.label}: ${x.baseline.stats.median})` : ''}${x.pass === undefined ? '' : x.pass ? ' ok' : ' MISSED'}`).join('\n');
}

interface LoopFigures { rangesPerS: number; finished: number; maxRss: number; checkpoints: number; journalBytes: number }
interface ReplayFigures { seconds: number; maxRss: number; held: number }

/** Runs one part in a child process of its own, so its peak RSS is its own. */
async function child<T>(args: readonly string[]): Promise<T> {
  const { stdout } = await run$(process.execPath, [new URL(import.meta.url).pathname, '--part', ...args], { maxBuffer: 16 * MiB });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

function makeRange(i: number): EventRange {
  const id = `1-8-1-${i + 1}-1`;
  const wire = { eventRangeID: id, startEvent: i + 1, lastEvent: i + 1, LFN: 'EVNT.bench._000001.pool.root.1', GUID: '6F0B9E3A-5C1D-4E2F-8A7B-1C2D3E4F5A01', scope: 'mc_bench' };
  return Object.freeze({ id, startEvent: i + 1, lastEvent: i + 1, lfn: wire.LFN, guid: wire.GUID, scope: wire.scope, wire });
}

async function loopPart(n: number, workdir: string): Promise<LoopFigures> {
  await mkdir(workdir, { recursive: true });
  const pilotRun = await createRun({ logLevel: 'error', env: {} });
  try {
    const m = await servePilotLoop(pilotRun, { workers: 8, ranges: [], total: n, make: (from, k) => Array.from({ length: k }, (_, j) => makeRange(from + j)), workdir });
    const { size } = await import('node:fs/promises').then((f) => f.stat(join(workdir, JOURNAL_FILE)));
    const checkpoints = await import('node:fs').then((f) => (f.existsSync(join(workdir, CHECKPOINT_FILE)) ? 1 : 0));
    return { rangesPerS: m.rangesPerS, finished: m.finished, maxRss: process.resourceUsage().maxRSS * 1024, checkpoints, journalBytes: size };
  } finally {
    await pilotRun.dispose();
  }
}

async function replayPart(workdir: string): Promise<ReplayFigures> {
  const t0 = performance.now();
  const snap = await replayRangeJournal(join(workdir, JOURNAL_FILE));
  return { seconds: (performance.now() - t0) / 1000, maxRss: process.resourceUsage().maxRSS * 1024, held: snap.ranges.size };
}

/** Stage-out of small outputs to a file:// store plus the journal's records, 4 at a time. */
async function storeRate(dir: string, n: number, batched: boolean): Promise<{ rangesPerS: number; syncsPerRange: number }> {
  const src = join(dir, 'work');
  const store = join(dir, 'store');
  await mkdir(src, { recursive: true });
  await mkdir(store, { recursive: true });
  for (let i = 0; i < n; i++) await writeFile(join(src, `out.${i}`), Buffer.alloc(200, i & 0xff));
  let calls = 0;
  const counted = { datasync: (fh: Parameters<typeof SYSTEM_SYNC.datasync>[0]) => { calls++; return batched ? fh.datasync() : fh.sync(); }, syncDir: (d: string) => { calls++; return SYSTEM_SYNC.syncDir(d); } };
  const syncs: Syncer = new SyncBatcher(counted);
  const mover = batched ? new LocalMover(silentLogger, syncs) : undefined;
  const journal = await RangeJournal.create(join(dir, JOURNAL_FILE), { pandaId: '8', outputLfns: ['B8'], workdir: dir, createdAt: Date.now() }, batched ? { syncs } : {});
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const id = `1-8-2-${i + 1}-1`;
      const req = { localPath: join(src, `out.${i}`), url: pathToFileURL(join(store, `B8.${id}`)).href };
      const out = mover ? await mover.stageOut(req) : await perObjectSyncStageOut(req.localPath, join(store, `B8.${id}`), () => calls++);
      const ts = Date.now();
      await journal.appendAll([
        { t: 'stored', ts, id, objects: [{ path: join(src, `out.${i}`), objectName: `B8.${id}`, url: out.url, size: out.size, checksum: `ad:${out.checksum.value}`, mover: 'local' }] },
        { t: 'final', ts, id, outcome: { status: 'finished' } },
      ]);
    }
  };
  await Promise.all(Array.from({ length: STORE_CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await journal.close();
  const journalSyncs = batched ? 0 : journal.stats.writes;
  return { rangesPerS: n / seconds, syncsPerRange: (calls + journalSyncs) / n };
}

/**
 * The local mover's path before the sync batcher, step for step: copy with adler32 and
 * fsync, read back and compare, rename, fsync the folder, then the checksum record by temp +
 * fsync + rename + folder fsync (writeFileAtomic). `count` is called per sync.
 */
async function perObjectSyncStageOut(from: string, target: string, count: () => void): Promise<{ url: string; size: number; checksum: Checksum }> {
  const tmp = `${target}.part`;
  const data = await readFile(from);
  const acc = new ChecksumAccumulator(['adler32']);
  acc.update(data);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.write(data);
    await fh.sync();
    count();
  } finally {
    await fh.close();
  }
  const [adler] = acc.digest();
  const back = await checksumFile(tmp, ['adler32']);
  if (back.adler32.value !== adler!.value) throw new Error(`read back ${back.adler32.value}, wrote ${adler!.value}`);
  await rename(tmp, target);
  await SYSTEM_SYNC.syncDir(dirname(target));
  count();
  const catalog = join(dirname(target), '.espilot-checksums');
  await mkdir(catalog, { recursive: true });
  await writeFileAtomic(join(catalog, `${basename(target)}.json`), JSON.stringify({ size: data.length, checksums: [adler] }), 0o644);
  count();
  count();
  return { url: pathToFileURL(target).href, size: data.length, checksum: adler! };
}

async function part(argv: readonly string[]): Promise<void> {
  const i = argv.indexOf('--part');
  const [what, a, b] = argv.slice(i + 1);
  const out = what === 'loop' ? await loopPart(Number(a), b!) : await replayPart(a!);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv.includes('--part') && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await part(process.argv);
} else {
  await benchMain(import.meta.url, (o) => run(o), (r) => report(r));
}
