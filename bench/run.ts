/**
 * `npm run bench`: runs B1–B7 (performance-reliability.md §5; B7 the resource monitor), each beside its baseline
 * measured in the same run, prints a table (min / median / max over repetitions) and writes
 * `bench/results.json`. One Swift serves every S3 benchmark.
 *
 *   npm run bench [-- --quick] [-- --only B1,B5] [-- --out <file>]
 *
 * `--quick` runs every benchmark briefly (CI proves they work; timings mean little). Goals
 * are reported, not asserted: the exit code is 1 only when a benchmark could not run.
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { packageRoot } from '../plugins/panda-local/index.js';
import { startSwift, type SwiftServer } from '../test/helpers/swift-server.js';
import { BENCHMARKS, type BenchContext } from './bench-list.js';
import type { BenchRow } from './bench-stats.js';
import { renderTable } from './bench-table.js';

export interface HarnessOptions {
  readonly quick: boolean;
  /** Benchmark ids to run (default all). */
  readonly only?: readonly string[];
  readonly out: string;
  readonly log: (line: string) => void;
}

/** The content of `bench/results.json`. */
export interface BenchResults {
  readonly version: 1;
  readonly startedAt: string;
  readonly durationS: number;
  readonly quick: boolean;
  readonly host: { readonly cpus: number; readonly cpuModel: string; readonly memGiB: number; readonly node: string; readonly platform: string };
  readonly rows: readonly BenchRow[];
  /** Each benchmark's full result, by id. */
  readonly results: Readonly<Record<string, unknown>>;
  /** Benchmarks that could not run, with the error. */
  readonly errors: Readonly<Record<string, string>>;
}

export async function runHarness(o: HarnessOptions): Promise<BenchResults> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const selected = BENCHMARKS.filter((b) => !o.only || o.only.includes(b.id));
  const startedAt = new Date();
  let swift: SwiftServer | undefined;
  const results: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  const rows: BenchRow[] = [];
  try {
    if (selected.some((b) => b.needsSwift)) swift = await startSwift();
    const ctx: BenchContext = { quick: o.quick, log: o.log, results, ...(swift ? { swift } : {}) };
    for (const b of selected) {
      const t0 = performance.now();
      o.log(`== ${b.id}: ${b.title}${o.quick ? ' (quick)' : ''}`);
      try {
        const result = await b.run(ctx);
        results[b.id] = result;
        rows.push(...b.rows(result, ctx));
        o.log(`${b.report(result)}\n== ${b.id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (err) {
        errors[b.id] = (err as Error).stack ?? String(err);
        o.log(`== ${b.id} FAILED: ${errors[b.id]}`);
      }
    }
  } finally {
    await swift?.stop();
  }
  const out: BenchResults = {
    version: 1, startedAt: startedAt.toISOString(), durationS: Math.round((Date.now() - startedAt.getTime()) / 100) / 10, quick: o.quick,
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
    rows, results, errors,
  };
  await mkdir(dirname(o.out), { recursive: true });
  await writeFile(o.out, `${JSON.stringify(out, null, 2)}\n`);
  return out;
}

/** `--name value` or `--name=value`. */
function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const only = flag(argv, 'only')?.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = only?.filter((id) => !BENCHMARKS.some((b) => b.id.toUpperCase() === id));
  if (unknown?.length) {
    process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.id).join(', ')})\n`);
    process.exit(2);
  }
  const out = resolve(flag(argv, 'out') ?? join(packageRoot(), 'bench', 'results.json'));
  const res = await runHarness({
    quick: argv.includes('--quick'), out, log: (l) => process.stderr.write(`${l}\n`),
    ...(only ? { only: BENCHMARKS.filter((b) => only.includes(b.id.toUpperCase())).map((b) => b.id) } : {}),
  });
  process.stdout.write(`\n${renderTable(res.rows)}\n\nresults: ${out} (${res.durationS} s)\n`);
  for (const [id, e] of Object.entries(res.errors)) process.stdout.write(`${id} could not run: ${e.split('\n')[0]}\n`);
  process.exitCode = Object.keys(res.errors).length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(packageRoot(), 'dist', 'bench', 'run.js')) await main();
