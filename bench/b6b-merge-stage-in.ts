/**
 * B6b (performance-reliability.md §5): a merge job's stage-in, 1,000 × 1 MiB ES outputs read
 * back from S3 on Swift through the S3 mover (GET streamed to a temp file, adler32 computed
 * on the way and compared with the stored metadata, rename), beside raw SDK GetObject
 * streaming the same objects to files, same client settings, same server, same run. Slices
 * alternate between the two; ratios are per slice. Measured at concurrency 1 (how a merge job
 * stages in today: one file after the other) and 4.
 * Goal: mover ≥ 0.8× raw.
 *
 *   node dist/bench/b6b-merge-stage-in.js [--quick]
 */
import 'reflect-metadata';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { open, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSwift, type SwiftServer } from '../test/helpers/swift-server.js';
import { fmt, isMain, optionsFromArgv, stats, summarize, type BenchOptions, type BenchRow, type Summary } from './bench-stats.js';
import { bucketName, makeFiles, pool, rawS3, s3MoverRun, timedPass } from './s3-bench-support.js';

export interface B6bOptions extends BenchOptions {
  readonly swift?: SwiftServer;
  /** Objects read per variant and concurrency (default 1000, quick 60). */
  readonly objects?: number;
  /** Slices alternating between the variants (default 10, quick 2). */
  readonly slices?: number;
  readonly concurrencies?: readonly number[];
}

export interface B6bSeries {
  readonly concurrency: number;
  /** Objects per second per slice. */
  readonly mover: Summary;
  readonly raw: Summary;
  /** This process's CPU per object, ms. */
  readonly moverCpuMs: Summary;
  readonly rawCpuMs: Summary;
  readonly ratioSamples: readonly number[];
  readonly ratio: number;
}

export interface B6bResult {
  readonly id: 'B6b';
  readonly objects: number;
  readonly objectBytes: number;
  readonly series: readonly B6bSeries[];
  readonly goal: 0.8;
  readonly pass: boolean;
}

const MiB = 1024 * 1024;

export async function run(opts: B6bOptions = {}): Promise<B6bResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const objects = opts.objects ?? (opts.quick ? 60 : 1000);
  const slices = opts.slices ?? (opts.quick ? 2 : 10);
  const concurrencies = opts.concurrencies ?? [1, 4];
  const swift = opts.swift ?? (await startSwift());
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b6b-'));
  const raw = rawS3(swift);
  const { run: pilotRun, mover } = await s3MoverRun(swift);
  try {
    // The ES outputs, stored as the pilot stores them (adler32 in the metadata).
    const bucket = bucketName('b6b');
    const files = await makeFiles(join(dir, 'src'), objects, MiB);
    const urls = files.map((_f, i) => swift.s3Url(bucket, `HITS.6._000001.pool.root.1.6-6000-1-${i + 1}-3`));
    await pool(files, 8, (f, i) => mover.stageOut({ localPath: f, url: urls[i]! }));
    const series: B6bSeries[] = [];
    for (const concurrency of concurrencies) {
      const rates = { mover: [] as number[], raw: [] as number[] };
      const cpu = { mover: [] as number[], raw: [] as number[] };
      const per = Math.ceil(objects / slices);
      for (let k = 0; k < slices; k++) {
        const slice = urls.slice(k * per, (k + 1) * per);
        for (const variant of k % 2 === 0 ? (['mover', 'raw'] as const) : (['raw', 'mover'] as const)) {
          const into = join(dir, `in-${variant}`);
          await rm(into, { recursive: true, force: true });
          await mkdir(into, { recursive: true });
          const read = variant === 'mover'
            ? (url: string, i: number) => mover.stageIn({ url, localPath: join(into, `f.${i}`) })
            : (url: string, i: number) => rawGet(raw.client, bucket, url.slice(url.lastIndexOf('/') + 1), join(into, `f.${i}`));
          const m = await timedPass(slice, concurrency, read);
          rates[variant].push(m.rate);
          cpu[variant].push(m.cpu);
        }
        log(`B6b conc ${concurrency} slice ${k + 1}/${slices}: mover ${rates.mover[k]!.toFixed(1)}, raw ${rates.raw[k]!.toFixed(1)} obj/s`);
      }
      const ratioSamples = rates.mover.map((m, i) => m / rates.raw[i]!);
      series.push({
        concurrency, mover: summarize(rates.mover), raw: summarize(rates.raw), moverCpuMs: summarize(cpu.mover), rawCpuMs: summarize(cpu.raw),
        ratioSamples, ratio: summarize(ratioSamples).median,
      });
    }
    return { id: 'B6b', objects, objectBytes: MiB, series, goal: 0.8, pass: series.every((s) => s.ratio >= 0.8) };
  } finally {
    raw.close();
    await pilotRun.dispose();
    await rm(dir, { recursive: true, force: true });
    if (!opts.swift) await swift.stop();
  }
}

/** The baseline: GetObject, body streamed into a new file, nothing checked. */
async function rawGet(client: ReturnType<typeof rawS3>['client'], bucket: string, key: string, path: string): Promise<void> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const fh = await open(path, 'wx', 0o644);
  try {
    for await (const chunk of res.Body as AsyncIterable<Buffer>) await fh.write(chunk);
  } finally {
    await fh.close();
  }
}

/** The harness's table lines, one per concurrency. */
export function rows(r: B6bResult): BenchRow[] {
  return r.series.map((s) => ({
    id: 'B6b', label: `merge stage-in 1 MiB, conc ${s.concurrency}`, unit: 'objects/s', espilot: stats(s.mover.samples),
    baseline: { label: 'raw SDK GetObject to file', stats: stats(s.raw.samples) }, ratio: stats(s.ratioSamples), goal: `≥ ${r.goal}×`, pass: s.ratio >= r.goal,
  }));
}

export function report(r: B6bResult): string {
  const lines = [`B6b merge stage-in: ${r.objects} × 1 MiB from S3 on Swift (per-slice median, IQR)`];
  for (const s of r.series) {
    lines.push(`  concurrency ${s.concurrency}`);
    lines.push(`    raw SDK GetObject → file: ${fmt(s.raw, 1)} obj/s, ${fmt(s.rawCpuMs)} ms CPU/obj`);
    lines.push(`    S3 mover stageIn:         ${fmt(s.mover, 1)} obj/s, ${fmt(s.moverCpuMs)} ms CPU/obj → ${s.ratio.toFixed(2)}×`);
  }
  lines.push(`  goal: mover ≥ ${r.goal}× raw: ${r.pass ? 'PASS' : 'BELOW GOAL'}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const result = await run(optionsFromArgv(process.argv));
  process.stdout.write(`${report(result)}\n${JSON.stringify(result)}\n`);
}
