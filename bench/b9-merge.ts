/**
 * B9: a merge job of many small inputs, through the real merge path (RunJob normal: stage-in
 * from the `file://` object store with each input verified against its checksum record, the
 * merge simulator reading its `@inputFor_<LFN>.txt` list, stage-out of the merged file and the
 * log), and stage-in alone (`stageInJobInputs`, the copies made durable together). Baseline,
 * in the same run, repetitions interleaved: a raw parallel copy of the same files, each read
 * whole, adler32'd and written to a new file (nothing verified, nothing synced), at the same
 * concurrency. Figures are inputs per second; ratios paired per repetition.
 * Goal: the merge job ≥ 0.8× the raw copy.
 *
 *   node dist/bench/b9-merge.js [--quick]
 */
import 'reflect-metadata';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobControlSource, RunJob, adler32, bindJob, forEachBounded, stageInJobInputs, type RunJob as RunJobT } from '../core/index.js';
import { prepareBigMerge } from '../test/helpers/big-merge.js';
import { localSite } from '../test/helpers/local-site.js';
import { makeRun } from '../test/helpers/make-run.js';
import { fmt, isMain, optionsFromArgv, stats, summarize, type BenchOptions, type BenchRow } from './bench-stats.js';

export interface B9Options extends BenchOptions {
  /** Inputs of the merge (default 10,000; quick 300). */
  readonly inputs?: number;
  /** Body bytes of each input (default 4 KiB). */
  readonly bodyBytes?: number;
  /** Repetitions (default 3; quick 1). */
  readonly reps?: number;
  /** Stage-in concurrency, and the raw copy's (default: the pilot's default). */
  readonly concurrency?: number;
}

export interface B9Result {
  readonly id: 'B9';
  readonly inputs: number;
  readonly inputBytes: number;
  readonly concurrency: number;
  /** Inputs per second, per repetition. */
  readonly job: readonly number[];
  readonly stageIn: readonly number[];
  readonly raw: readonly number[];
  readonly goal: 0.8;
}

export async function run(opts: B9Options = {}): Promise<B9Result> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const n = opts.inputs ?? (opts.quick ? 300 : 10_000);
  const reps = opts.reps ?? (opts.quick ? 1 : 3);
  const site = await localSite();
  const transfers = opts.concurrency ? { stageInConcurrency: opts.concurrency } : {};
  // keepWorkdir: each repetition removes its own job directory (the job runs without the job runner).
  const run = await makeRun({ logLevel: 'warn', extraLayers: [site.layer({ transfers: { backoffBaseMs: 10, backoffMaxMs: 50, ...transfers } })], env: { PATH: process.env['PATH'] } });
  const concurrency = run.settings.pilot.transfers.stageInConcurrency;
  try {
    const esDir = join(site.osDir, 'es');
    const merge = await prepareBigMerge(run, esDir, n, opts.bodyBytes ?? 4096);
    const sources = merge.inputs.map((name) => join(esDir, name));
    const runJob = run.resolver.get<RunJobT>(RunJob, 'normal');
    const rates = { job: [] as number[], stageIn: [] as number[], raw: [] as number[] };
    const variants = {
      job: async (dir: string) => {
        const outcome = await runJob.run({ job: merge.job, workdir: dir, control: new JobControlSource(), binding: bindJob(run.resolver, merge.job) });
        if (outcome.state !== 'finished') throw new Error(`B9: the merge job ended ${outcome.state}: ${outcome.pilotErrorCode} ${outcome.pilotErrorDiag}`);
      },
      stageIn: async (dir: string) => {
        await stageInJobInputs({ binding: bindJob(run.resolver, merge.job), jobDir: dir, log: run.logger, stageInConcurrency: concurrency }, merge.job);
      },
      raw: (dir: string) => forEachBounded(sources, concurrency, async (src, i) => {
        const bytes = await readFile(src);
        adler32(bytes);
        await writeFile(join(dir, merge.inputs[i]!), bytes, { flag: 'wx' });
      }),
    };
    const order = Object.keys(variants) as (keyof typeof variants)[];
    for (let k = 0; k < reps; k++) {
      // Interleaved, the order turned each repetition: a variant does not always run on a cooler disk.
      for (const v of k % 2 === 0 ? order : [...order].reverse()) {
        const dir = join(site.workdir, `b9-${v}-${k}`);
        await mkdir(dir, { recursive: true });
        const t0 = performance.now();
        await variants[v](dir);
        rates[v].push(n / ((performance.now() - t0) / 1000));
        await rm(dir, { recursive: true, force: true });
        if (v === 'job') await rm(join(site.seDir, merge.outputLfn), { force: true });
      }
      log(`B9 rep ${k + 1}/${reps}: merge job ${rates.job[k]!.toFixed(0)}, stage-in ${rates.stageIn[k]!.toFixed(0)}, raw copy ${rates.raw[k]!.toFixed(0)} inputs/s`);
    }
    return { id: 'B9', inputs: n, inputBytes: merge.inputBytes, concurrency, ...rates, goal: 0.8 };
  } finally {
    await run.dispose();
    await site.remove();
  }
}

/** The table's line: the merge job against the raw copy (stage-in alone is in the report and the results). */
export function rows(r: B9Result): BenchRow[] {
  const ratio = stats(r.job.map((x, i) => x / r.raw[i]!));
  return [{
    id: 'B9', label: `merge job, ${r.inputs} inputs (stage-in + merge + stage-out)`, unit: 'inputs/s', espilot: stats(r.job),
    baseline: { label: `raw parallel copy + adler32 (${r.concurrency} at once)`, stats: stats(r.raw) }, ratio, goal: `≥ ${r.goal}×`, pass: ratio.median >= r.goal,
  }];
}

export function report(r: B9Result): string {
  const ratio = (xs: readonly number[]) => summarize(xs.map((x, i) => x / r.raw[i]!)).median.toFixed(2);
  return [
    `B9 merge of ${r.inputs} inputs (${(r.inputBytes / r.inputs / 1024).toFixed(1)} KiB each), concurrency ${r.concurrency}, inputs/s (median, IQR)`,
    `  raw parallel copy + adler32: ${fmt(summarize(r.raw), 0)}`,
    `  stage-in alone:              ${fmt(summarize(r.stageIn), 0)} → ${ratio(r.stageIn)}×`,
    `  merge job:                   ${fmt(summarize(r.job), 0)} → ${ratio(r.job)}× (goal ≥ ${r.goal}×)`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await run(optionsFromArgv(process.argv));
  process.stdout.write(`${report(result)}\n${JSON.stringify(result)}\n`);
}
