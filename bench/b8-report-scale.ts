/**
 * B8 (scale), report rows: job-report.json, job-ranges.ndjson and timeline.html written for a
 * job of a million ranges (16 workers, one range in 101 failed, made up in memory by
 * test/helpers/synthetic-report.ts, so only the report is measured). Beside it, interleaved
 * in the same run: the raw dump of the same ranges, one JSON.stringify line each into one
 * file — what any per-range report costs at least. Reported: build-and-write time against
 * the raw dump, the size of each file, and the heap the build added.
 * Goals: timeline.html ≤ 5 MB; job-report.json ≤ 64 kB; build ≤ 3× the raw dump.
 *
 *   node dist/bench/b8-report-scale.js [--quick]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeChunksAtomic, writeReportFiles, type RangeTiming } from '../core/index.js';
import { syntheticReportSources } from '../test/helpers/synthetic-report.js';
import { isMain, optionsFromArgv, stats, type BenchOptions, type BenchRow } from './bench-stats.js';
import { rounded } from './bench-support.js';

export interface ReportScaleOptions extends BenchOptions {
  /** Ranges of the synthetic job (default 1,000,000, quick 10,000). */
  readonly ranges?: number;
  /** Interleaved repetitions (default 3, quick 2). */
  readonly reps?: number;
}

export interface ReportScaleResult {
  readonly ranges: number;
  readonly reps: ReadonlyArray<{ readonly buildS: number; readonly rawDumpS: number; readonly heapMiB: number }>;
  readonly bytes: { readonly json: number; readonly detail: number; readonly timeline: number };
  readonly goal: { readonly timelineMB: 5; readonly jsonKB: 64; readonly ratio: 3 };
}

const MB = 1e6;

export async function runReportScale(opts: ReportScaleOptions = {}): Promise<ReportScaleResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const n = opts.ranges ?? (opts.quick ? 10_000 : 1_000_000);
  const repCount = opts.reps ?? (opts.quick ? 2 : 3);
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b8-report-'));
  try {
    const src = syntheticReportSources({ ranges: n, workers: 16, failEvery: 101, jobDir: dir });
    const reps: Array<{ buildS: number; rawDumpS: number; heapMiB: number }> = [];
    for (let r = 0; r < repCount; r++) {
      const rawDumpS = await timed(() => writeChunksAtomic(join(dir, 'raw.ndjson'), rawLines(src.journal!.ranges), 0o644));
      await rm(join(dir, 'raw.ndjson'));
      global.gc?.();
      const heap0 = process.memoryUsage().heapUsed;
      let heapPeak = heap0;
      const probe = setInterval(() => { heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed); }, 20);
      const buildS = await timed(() => writeReportFiles(src).then(() => undefined)).finally(() => clearInterval(probe));
      reps.push({ buildS: rounded(buildS, 3), rawDumpS: rounded(rawDumpS, 3), heapMiB: rounded((heapPeak - heap0) / 2 ** 20) });
      log(`B8 report rep ${r + 1}/${repCount}: ${n} ranges, report ${rounded(buildS, 2)} s, raw dump ${rounded(rawDumpS, 2)} s`);
    }
    const size = async (f: string) => (await stat(join(dir, f))).size;
    return {
      ranges: n, reps,
      bytes: { json: await size('job-report.json'), detail: await size('job-ranges.ndjson'), timeline: await size('timeline.html') },
      goal: { timelineMB: 5, jsonKB: 64, ratio: 3 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rows B8 shows for reports (the integrator's B8 entry adds them to the journal/dispatch rows). */
export async function reportScaleRows(opts: ReportScaleOptions = {}): Promise<BenchRow[]> {
  return rowsOf(await runReportScale(opts));
}

export function rowsOf(r: ReportScaleResult): BenchRow[] {
  const ratio = stats(r.reps.map((x) => x.buildS / x.rawDumpS));
  const k = r.ranges >= 1e6 ? `${r.ranges / 1e6}M` : `${r.ranges / 1e3}k`;
  const one = (v: number) => stats([v]);
  return [
    {
      id: 'B8', label: `report build + write, ${k} ranges`, unit: 's', espilot: stats(r.reps.map((x) => x.buildS)),
      baseline: { label: 'raw NDJSON dump of the ranges', stats: stats(r.reps.map((x) => x.rawDumpS)) }, ratio, goal: `≤ ${r.goal.ratio}×`, pass: ratio.median <= r.goal.ratio,
    },
    { id: 'B8', label: `timeline.html, ${k} ranges`, unit: 'MB', espilot: one(rounded(r.bytes.timeline / MB, 3)), goal: `≤ ${r.goal.timelineMB} MB`, pass: r.bytes.timeline <= r.goal.timelineMB * MB },
    { id: 'B8', label: `job-report.json, ${k} ranges`, unit: 'kB', espilot: one(rounded(r.bytes.json / 1e3, 1)), goal: `≤ ${r.goal.jsonKB} kB`, pass: r.bytes.json <= r.goal.jsonKB * 1e3 },
    { id: 'B8', label: `job-ranges.ndjson, ${k} ranges`, unit: 'MB', espilot: one(rounded(r.bytes.detail / MB, 1)) },
    { id: 'B8', label: 'heap added by the report build', unit: 'MiB', espilot: stats(r.reps.map((x) => x.heapMiB)) },
  ];
}

function* rawLines(ranges: readonly RangeTiming[]): Generator<string> {
  for (let i = 0; i < ranges.length; i += 256) yield ranges.slice(i, i + 256).map((r) => `${JSON.stringify(r)}\n`).join('');
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

if (isMain(import.meta.url)) {
  const result = await runReportScale(optionsFromArgv(process.argv));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
