/**
 * B5 (performance-reliability.md §5): the whole pilot end to end. The embedded dispatcher
 * serves an Event Service task of 10,000 one-event ranges; `espilot run` (a child process,
 * as in production) runs it with 2 zero-compute simulator workers writing 1 MiB per range,
 * and stores every output through the S3 mover in a bucket on Swift (keys from getKeyPair),
 * 4 uploads at a time, reports batched. Measured from the dispatcher's records (first range
 * handed out → last report acknowledged) and from the pilot process's own counters (CPU,
 * peak RSS). Interleaved with the repetitions (before the pilot in odd ones, after it in
 * even ones, so that neither always runs on a fresher disk), in the same run and against the
 * same Swift, each component alone: raw SDK PutObject of 1 MiB objects at concurrency 4,
 * adler32 of those files, and the pilot's dispatch loop at W=2 (bench/pilot-loop.ts). Each
 * repetition's ratio is to the slowest of its own components. At least 5 repetitions.
 * Goals: ≥ 0.7× the slowest component, peak RSS ≤ 200 MiB.
 *
 *   node dist/bench/b5-end-to-end.js [--quick]
 */
import 'reflect-metadata';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDispatcher, type DispatcherSnapshot } from '../plugins/panda-local/index.js';
import { startSwift, type SwiftServer } from '../test/helpers/swift-server.js';
import { isMain, optionsFromArgv, stats, type BenchOptions, type BenchRow, type Stats } from './bench-stats.js';
import { rounded } from './bench-support.js';
import { checksumFile, createRun, type EventRange, type PilotRun } from '../core/index.js';
import { servePilotLoop } from './pilot-loop.js';
import { b5Task, writeB5Site } from './b5-site.js';
import { runMeasuredPilot } from './measured-pilot.js';
import { checkStoredOutputs } from './b5-verify.js';
import { bucketName, createBucket, makeFiles, rawS3, timedPass } from './s3-bench-support.js';

export interface B5Options extends BenchOptions {
  readonly swift?: SwiftServer;
  /** Ranges per repetition (default 10,000, quick 300). */
  readonly ranges?: number;
  /** Output bytes per range (default 1 MiB). */
  readonly outputBytes?: number;
  readonly workers?: number;
  /** Repetitions (default 5, quick 1). */
  readonly reps?: number;
  /** Objects of the raw PutObject baseline per repetition (default 1000, quick 100). */
  readonly baselineObjects?: number;
}

export interface B5Rep {
  /** Ranges finished per second, first range handed out → last report acknowledged. */
  readonly rangesPerS: number;
  readonly seconds: number;
  readonly finished: number;
  /** The pilot process's CPU (user + system) per range, ms; payload and servers excluded. */
  readonly cpuMsPerRange: number;
  readonly peakRssMiB: number;
  /** Raw SDK PutObject, 1 MiB objects, concurrency 4, beside this repetition. */
  readonly rawPutPerS: number;
  /** Each component alone beside this repetition, per second (objects, files, ranges). */
  readonly components: Readonly<Record<B5Component, number>>;
  /** The slowest of `components`. */
  readonly slowest: B5Component;
  /** rangesPerS / rawPutPerS. */
  readonly ratio: number;
  /** rangesPerS / the slowest component's rate. */
  readonly slowestRatio: number;
}

export type B5Component = 'raw SDK PutObject 1 MiB, conc 4' | 'adler32 of 1 MiB files' | 'dispatch loop W=2';

export interface B5Result {
  readonly id: 'B5';
  readonly ranges: number;
  readonly outputBytes: number;
  readonly workers: number;
  readonly reps: readonly B5Rep[];
  readonly rangesPerS: Stats;
  readonly ratio: Stats;
  readonly slowestRatio: Stats;
  readonly cpuMsPerRange: Stats;
  readonly peakRssMiB: Stats;
  readonly goal: { readonly ratio: 0.7; readonly peakRssMiB: 200 };
  readonly pass: boolean;
}

const MiB = 1024 * 1024;
const CONCURRENCY = 4;

export async function run(opts: B5Options = {}): Promise<B5Result> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const ranges = opts.ranges ?? (opts.quick ? 300 : 10_000);
  const outputBytes = opts.outputBytes ?? MiB;
  const workers = opts.workers ?? 2;
  const repCount = opts.reps ?? (opts.quick ? 1 : 5);
  const swift = opts.swift ?? (await startSwift());
  const loopRun = await createRun({ logLevel: 'error', env: {} });
  const reps: B5Rep[] = [];
  try {
    for (let r = 0; r < repCount; r++) {
      const rep = await oneRep(swift, loopRun, r, ranges, outputBytes, workers, opts.baselineObjects ?? (opts.quick ? 100 : 1000));
      reps.push(rep);
      log(`B5 rep ${r + 1}/${repCount}: ${rep.rangesPerS} ranges/s (${rep.seconds} s), raw PutObject ${rep.rawPutPerS} obj/s → ${rep.ratio}×, slowest component ${rep.slowest} → ${rep.slowestRatio}×, ${rep.cpuMsPerRange} ms CPU/range, peak RSS ${rep.peakRssMiB} MiB`);
    }
  } finally {
    await loopRun.dispose();
    if (!opts.swift) await swift.stop();
  }
  const slowestRatio = stats(reps.map((x) => x.slowestRatio));
  const rss = stats(reps.map((x) => x.peakRssMiB));
  return {
    id: 'B5', ranges, outputBytes, workers, reps,
    rangesPerS: stats(reps.map((x) => x.rangesPerS)), ratio: stats(reps.map((x) => x.ratio)), slowestRatio,
    cpuMsPerRange: stats(reps.map((x) => x.cpuMsPerRange)), peakRssMiB: rss,
    goal: { ratio: 0.7, peakRssMiB: 200 }, pass: slowestRatio.median >= 0.7 && rss.max <= 200,
  };
}

/** Every component alone, on the same Swift and disk as the repetition beside it. */
async function components(raw: ReturnType<typeof rawS3>, loopRun: PilotRun, dir: string, rep: number, count: number, bytes: number): Promise<Record<B5Component, number>> {
  await flushDisk();
  const files = await makeFiles(join(dir, 'baseline'), count, bytes);
  const put = await rawPutBaseline(raw, files);
  const t0 = performance.now();
  for (const f of files) await checksumFile(f);
  const adler = files.length / ((performance.now() - t0) / 1000);
  await rm(join(dir, 'baseline'), { recursive: true, force: true });
  const loop = await servePilotLoop(loopRun, { workers: 2, ranges: loopRanges(Math.max(500, count * 2), rep) });
  await flushDisk();
  return { 'raw SDK PutObject 1 MiB, conc 4': put, 'adler32 of 1 MiB files': adler, 'dispatch loop W=2': loop.rangesPerS };
}

async function oneRep(swift: SwiftServer, loopRun: PilotRun, repIndex: number, ranges: number, outputBytes: number, workers: number, baselineObjects: number): Promise<B5Rep> {
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b5-'));
  const bucket = bucketName('b5');
  const raw = rawS3(swift);
  const dispatcher = await startDispatcher({ task: b5Task(ranges, workers, outputBytes), keysDir: join(dir, 'keys') });
  try {
    // Each measurement starts with the disk's dirty pages written out: the pilot's run writes
    // 2 × 10 GB (payload outputs, Swift's copies), which would otherwise slow whatever runs next.
    const before = repIndex % 2 === 0;
    let comp = before ? await components(raw, loopRun, dir, repIndex, baselineObjects, outputBytes) : undefined;
    const site = await writeB5Site(dir, swift, bucket, dispatcher.url, workers, b5Task(ranges, workers, outputBytes));
    const pilot = await runMeasuredPilot({
      args: ['run', '--queue', site.queuePath, '--config', site.sitePath, '--workdir', site.workdir, '--max-jobs', '1', '--log-level', 'warn'],
      dir, timeoutMs: Math.max(120_000, ranges * 100),
    });
    const snapshot = dispatcher.snapshot();
    comp ??= await components(raw, loopRun, dir, repIndex, baselineObjects, outputBytes);
    const window = acknowledgedWindow(snapshot);
    if (window.finished !== ranges) {
      // Say what became of the rest: how the server saw every range and the job's final update.
      const statuses = new Map<string, number>();
      for (const u of snapshot.rangeUpdates) if (u.outcome === 'applied') statuses.set(`${u.eventStatus}${u.errorCode ? ` ${u.errorCode}` : ''}`, (statuses.get(`${u.eventStatus}${u.errorCode ? ` ${u.errorCode}` : ''}`) ?? 0) + 1);
      const finals = snapshot.jobUpdates.filter((u) => u.outcome === 'applied' && u.state !== 'running').map((u) => `${u.pandaId} ${u.state} ${u.pilotErrorCode ?? 0}`);
      throw new Error(`B5: ${window.finished} of ${ranges} ranges finished (pilot exit ${pilot.exitCode}); range updates ${JSON.stringify(Object.fromEntries(statuses))}, ${snapshot.dispatches.reduce((n, d) => n + d.eventRangeIds.length, 0)} dispatched, job updates ${finals.join('; ') || 'none'}; log tail:\n${pilot.logTail}`);
    }
    await checkStoredOutputs(raw.client, bucket, snapshot, outputBytes);
    const rangesPerS = window.finished / window.seconds;
    const rawPutPerS = comp['raw SDK PutObject 1 MiB, conc 4'];
    const slowest = (Object.keys(comp) as B5Component[]).reduce((a, b) => (comp[b] < comp[a] ? b : a));
    return {
      rangesPerS: rounded(rangesPerS), seconds: rounded(window.seconds, 2), finished: window.finished,
      cpuMsPerRange: rounded((pilot.usage.userCPUTime + pilot.usage.systemCPUTime) / 1000 / window.finished, 3),
      peakRssMiB: rounded(pilot.usage.maxRSS / 1024), rawPutPerS: rounded(rawPutPerS), ratio: rounded(rangesPerS / rawPutPerS, 3),
      components: Object.fromEntries(Object.entries(comp).map(([k, v]) => [k, rounded(v)])) as Record<B5Component, number>,
      slowest, slowestRatio: rounded(rangesPerS / comp[slowest], 3),
    };
  } finally {
    raw.close();
    await dispatcher.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes out the page cache's dirty pages (`sync`), so one measurement's writes do not slow the next. */
async function flushDisk(): Promise<void> {
  await promisify(execFile)('sync');
}

/** Finished ranges and the time from the first range handed out to the last acknowledged report. */
export function acknowledgedWindow(s: DispatcherSnapshot): { finished: number; seconds: number } {
  const first = s.dispatches.find((d) => d.eventRangeIds.length > 0);
  const acked = s.rangeUpdates.filter((u) => u.result === true);
  const finished = new Set(s.rangeUpdates.filter((u) => u.eventStatus === 'finished' && u.outcome === 'applied').map((u) => u.eventRangeId)).size;
  if (!first || acked.length === 0) return { finished, seconds: NaN };
  return { finished, seconds: (Date.parse(acked[acked.length - 1]!.time) - Date.parse(first.time)) / 1000 };
}

/** Ranges for the dispatch-loop component, shaped like the dispatcher's. */
function loopRanges(n: number, rep: number): EventRange[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `5-${rep}-1-${i + 1}-1`;
    const wire = { eventRangeID: id, startEvent: i + 1, lastEvent: i + 1, LFN: 'EVNT.b5._000001.pool.root.1', GUID: '6F0B9E3A-5C1D-4E2F-8A7B-1C2D3E4F5A05', scope: 'mc_bench' };
    return Object.freeze({ id, startEvent: i + 1, lastEvent: i + 1, lfn: wire.LFN, guid: wire.GUID, scope: wire.scope, wire });
  });
}

/** Raw PutObject of the files (`bytes` each) at concurrency 4 into a fresh bucket. */
async function rawPutBaseline(raw: ReturnType<typeof rawS3>, files: readonly string[]): Promise<number> {
  const bucket = bucketName('b5-raw');
  await createBucket(raw, bucket);
  const put = async (file: string, i: number) => {
    const body = await readFile(file);
    await raw.client.send(new PutObjectCommand({ Bucket: bucket, Key: `obj.${i}`, Body: body, ContentLength: body.length }));
  };
  await timedPass(files.slice(0, CONCURRENCY * 2), CONCURRENCY, put); // warm sockets
  const { rate } = await timedPass(files, CONCURRENCY, put);
  return rate;
}

/** The harness's table lines: rate against the slowest component, pilot CPU per range, peak RSS. */
export function rows(r: B5Result): BenchRow[] {
  return [
    {
      id: 'B5', label: `end to end, ${r.ranges} × ${r.outputBytes / MiB} MiB, W=${r.workers}`, unit: 'ranges/s', espilot: r.rangesPerS,
      baseline: { label: 'raw SDK PutObject 1 MiB, conc 4', stats: stats(r.reps.map((x) => x.rawPutPerS)) }, ratio: r.ratio,
      goal: `≥ ${r.goal.ratio}×`, pass: r.ratio.median >= r.goal.ratio,
    },
    slowestRow(r),
    { id: 'B5', label: 'pilot CPU per range', unit: 'ms', espilot: r.cpuMsPerRange },
    { id: 'B5', label: 'pilot peak RSS', unit: 'MiB', espilot: r.peakRssMiB, goal: `≤ ${r.goal.peakRssMiB} MiB`, pass: r.peakRssMiB.max <= r.goal.peakRssMiB },
  ];
}

/** Each repetition against the slowest of the components measured beside it (named by the one slowest most often). */
function slowestRow(r: B5Result): BenchRow {
  const often = new Map<B5Component, number>();
  for (const x of r.reps) often.set(x.slowest, (often.get(x.slowest) ?? 0) + 1);
  const label = [...often].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}${often.size > 1 ? ` (${n}/${r.reps.length})` : ''}`).join(', ');
  return {
    id: 'B5', label: 'end to end vs slowest component', unit: 'ranges/s', espilot: r.rangesPerS,
    baseline: { label: `slowest: ${label}`, stats: stats(r.reps.map((x) => x.components[x.slowest])) }, ratio: r.slowestRatio,
    goal: `≥ ${r.goal.ratio}×`, pass: r.slowestRatio.median >= r.goal.ratio,
  };
}

export function report(r: B5Result): string {
  return [
    `B5 end to end: ${r.ranges} ranges × ${r.outputBytes} bytes, ${r.workers} simulator workers, S3 on Swift, ${r.reps.length} rep(s)`,
    ...r.reps.map((x, i) => `  rep ${i + 1}: ${x.rangesPerS} ranges/s over ${x.seconds} s; components ${Object.entries(x.components).map(([k, v]) => `${k} ${v}/s`).join(', ')}; slowest ${x.slowest} → ${x.slowestRatio}×; ${x.cpuMsPerRange} ms CPU/range; peak RSS ${x.peakRssMiB} MiB`),
    `  goal: ≥ ${r.goal.ratio}× the slowest component and ≤ ${r.goal.peakRssMiB} MiB: ${r.pass ? 'PASS' : 'BELOW GOAL'}`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await run(optionsFromArgv(process.argv));
  process.stdout.write(`${report(result)}\n${JSON.stringify(result)}\n`);
}
