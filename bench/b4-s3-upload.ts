/**
 * B4: S3 mover uploads to a real Swift (s3api) beside raw SDK PutObject calls with the same
 * client settings, against the same server, in the same run: 1,000 × 1 MiB and 2,000 × 4 KiB
 * at concurrency 4, in slices that alternate between the variants. The mover does everything it does in production (adler32,
 * metadata, verification, in each of its three verification modes); the raw client only
 * reads the file and PUTs it, into one of a few buffers reused from upload to upload as the
 * mover's single-part bodies are (a fresh buffer per file would charge the baseline garbage
 * collection the mover does not pay).
 * Goal: mover ≥ 0.9× raw objects/s.
 *
 *   node dist/bench/b4-s3-upload.js [--quick]
 */
import 'reflect-metadata';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSwift, type SwiftServer } from '../test/helpers/swift-server.js';
import { bucketName, createBucket, makeFiles, pool, rawS3, s3MoverRun, timedPass } from './s3-bench-support.js';
import { fmt, isMain, optionsFromArgv, stats, summarize, type BenchOptions, type BenchRow, type Summary } from './bench-stats.js';

export interface B4Options extends BenchOptions {
  readonly concurrency?: number;
  /** An already running Swift (a harness may share one); otherwise one is started. */
  readonly swift?: SwiftServer;
  /** Objects per workload: [1 MiB, 4 KiB] (default 1000 and 2000, quick 100 and 200). */
  readonly objects?: readonly [number, number];
  /** Slices each workload is cut into, alternating between the variants (default 10, quick 4). */
  readonly slices?: number;
}

export interface B4Series {
  /** Objects per second. */
  readonly objPerSec: Summary;
  readonly mbPerSec: Summary;
  /** Client CPU (this process, user + system) per object, ms. */
  readonly cpuMsPerObject: Summary;
}

export interface B4Workload {
  readonly name: string;
  readonly objectBytes: number;
  readonly objects: number;
  readonly raw: B4Series;
  /** The mover as configured by default (Content-MD5 + ETag verification). */
  readonly mover: B4Series;
  /** The mover with `verifyUpload: "content-md5"` (md5 computed, sent and compared). */
  readonly moverMd5: B4Series;
  /** The mover with `verifyUpload: "head"` (one HEAD per object). */
  readonly moverHead: B4Series;
  /** mover / raw objects per second: the median of the per-slice ratios. */
  readonly ratio: number;
  readonly ratioMd5: number;
  readonly ratioHead: number;
  /** mover (default) / raw of every slice. */
  readonly ratioSamples: readonly number[];
}

export interface B4Result {
  readonly id: 'B4';
  readonly concurrency: number;
  readonly workloads: readonly B4Workload[];
  readonly goal: 0.9;
  readonly pass: boolean;
}

type Variant = 'raw' | 'mover' | 'moverMd5' | 'moverHead';
const VARIANTS = ['raw', 'mover', 'moverMd5', 'moverHead'] as const;
const VERIFY: Record<Exclude<Variant, 'raw'>, string> = { mover: 'signed-payload', moverMd5: 'content-md5', moverHead: 'head' };

export async function run(opts: B4Options = {}): Promise<B4Result> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const concurrency = opts.concurrency ?? 4;
  const slices = opts.slices ?? (opts.quick ? 4 : 10);
  const specs = [
    { name: '1 MiB', objectBytes: 1024 * 1024, objects: opts.objects?.[0] ?? (opts.quick ? 100 : 1000) },
    { name: '4 KiB', objectBytes: 4096, objects: opts.objects?.[1] ?? (opts.quick ? 200 : 2000) },
  ];
  const swift = opts.swift ?? (await startSwift());
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b4-'));
  try {
    const workloads: B4Workload[] = [];
    for (const spec of specs) {
      const files = await makeFiles(join(dir, spec.name.replace(' ', '')), spec.objects, spec.objectBytes);
      const uploaders = {} as Record<Variant, Uploader>;
      for (const v of VARIANTS) uploaders[v] = await uploader(v, swift, files.slice(0, concurrency * 2), concurrency);
      const samples: Record<Variant, { rate: number; cpu: number }[]> = { raw: [], mover: [], moverMd5: [], moverHead: [] };
      try {
        // Swift's throughput drifts over minutes; slices of the workload alternate between the
        // variants (in rotated order) so drift hits them alike, and ratios are taken per slice.
        const per = Math.ceil(files.length / slices);
        for (let k = 0; k < slices; k++) {
          const slice = files.slice(k * per, (k + 1) * per);
          for (const v of VARIANTS.map((_, i) => VARIANTS[(i + k) % VARIANTS.length]!)) {
            await promisify(execFile)('sync');
            samples[v].push(await timedSlice(uploaders[v], slice, k * per, concurrency));
          }
          log(`B4 ${spec.name} slice ${k + 1}/${slices}: ${VARIANTS.map((v) => `${v} ${samples[v][k]!.rate.toFixed(1)}`).join(', ')} obj/s`);
        }
      } finally {
        for (const v of VARIANTS) await uploaders[v].close();
      }
      const series = (v: Variant): B4Series => ({
        objPerSec: summarize(samples[v].map((x) => x.rate)),
        mbPerSec: summarize(samples[v].map((x) => (x.rate * spec.objectBytes) / 1e6)),
        cpuMsPerObject: summarize(samples[v].map((x) => x.cpu)),
      });
      const perSlice = (v: Variant) => samples[v].map((x, i) => x.rate / samples.raw[i]!.rate);
      const paired = (v: Variant) => summarize(perSlice(v)).median;
      workloads.push({
        ...spec, raw: series('raw'), mover: series('mover'), moverMd5: series('moverMd5'), moverHead: series('moverHead'),
        ratio: paired('mover'), ratioMd5: paired('moverMd5'), ratioHead: paired('moverHead'), ratioSamples: perSlice('mover'),
      });
    }
    return { id: 'B4', concurrency, workloads, goal: 0.9, pass: workloads.every((w) => w.ratio >= 0.9) };
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (!opts.swift) await swift.stop();
  }
}

interface Uploader {
  upload(file: string, key: string): Promise<unknown>;
  close(): Promise<void>;
}

/** A ready uploader of one variant with its own bucket, warmed up (bucket, sockets, keys). */
async function uploader(variant: Variant, swift: SwiftServer, warm: readonly string[], concurrency: number): Promise<Uploader> {
  const bucket = bucketName(`b4-${variant.toLowerCase()}`);
  let u: Uploader;
  if (variant === 'raw') {
    const raw = rawS3(swift);
    await createBucket(raw, bucket);
    const free: Buffer[] = [];
    u = {
      async upload(file, key) {
        const size = (await stat(file)).size;
        const i = free.findIndex((b) => b.length >= size);
        const buf = i >= 0 ? free.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(size);
        try {
          const fh = await open(file, 'r');
          try {
            for (let got = 0; got < size;) {
              const { bytesRead } = await fh.read(buf, got, size - got, got);
              if (bytesRead === 0) throw new Error(`B4: ${file} is shorter than ${size} bytes`);
              got += bytesRead;
            }
          } finally {
            await fh.close();
          }
          const body = buf.subarray(0, size);
          await raw.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size }));
        } finally {
          if (free.length < concurrency) free.push(buf);
        }
      },
      close: async () => raw.close(),
    };
  } else {
    const { run, mover } = await s3MoverRun(swift, { verifyUpload: VERIFY[variant] });
    u = { upload: (file, key) => mover.stageOut({ localPath: file, url: swift.s3Url(bucket, key) }), close: () => run.dispose() };
  }
  await pool(warm, concurrency, (f, i) => u.upload(f, `warm.${i}`));
  return u;
}

function timedSlice(u: Uploader, files: readonly string[], first: number, concurrency: number): Promise<{ rate: number; cpu: number }> {
  return timedPass(files, concurrency, (f, i) => u.upload(f, `obj.${first + i}`));
}

/** The harness's table lines: the mover as configured by default, per workload. */
export function rows(r: B4Result): BenchRow[] {
  return r.workloads.map((w) => ({
    id: 'B4', label: `S3 upload ${w.name}, conc ${r.concurrency}`, unit: 'objects/s', espilot: stats(w.mover.objPerSec.samples),
    baseline: { label: 'raw SDK PutObject', stats: stats(w.raw.objPerSec.samples) }, ratio: stats(w.ratioSamples), goal: `≥ ${r.goal}×`, pass: w.ratio >= r.goal,
  }));
}

export function report(r: B4Result): string {
  const lines = [`B4 S3 uploads to Swift s3api, concurrency ${r.concurrency} (per-slice median, IQR; ratio = median of per-slice ratios)`];
  for (const w of r.workloads) {
    lines.push(`  ${w.objects} × ${w.name}`);
    lines.push(`    raw SDK PutObject:          ${fmt(w.raw.objPerSec, 1)} obj/s, ${fmt(w.raw.cpuMsPerObject)} ms CPU/obj`);
    lines.push(`    S3 mover (default):         ${fmt(w.mover.objPerSec, 1)} obj/s, ${fmt(w.mover.cpuMsPerObject)} ms CPU/obj  → ${w.ratio.toFixed(2)}×`);
    lines.push(`    S3 mover (Content-MD5):     ${fmt(w.moverMd5.objPerSec, 1)} obj/s, ${fmt(w.moverMd5.cpuMsPerObject)} ms CPU/obj  → ${w.ratioMd5.toFixed(2)}×`);
    lines.push(`    S3 mover (verify by HEAD):  ${fmt(w.moverHead.objPerSec, 1)} obj/s, ${fmt(w.moverHead.cpuMsPerObject)} ms CPU/obj  → ${w.ratioHead.toFixed(2)}×`);
  }
  lines.push(`  goal: mover ≥ ${r.goal}× raw: ${r.pass ? 'PASS' : 'BELOW GOAL'}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const result = await run(optionsFromArgv(process.argv));
  process.stdout.write(`${report(result)}\n${JSON.stringify(result)}\n`);
}

