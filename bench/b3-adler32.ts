/**
 * B3: adler32 of a 1 GiB file from the page cache, espilot's checksumFile beside Python's
 * zlib.adler32 on the same file in the same run (pilot3's mmap method, and the faster 1 MiB
 * read loop), plus Node's read-only bandwidth as the floor. Goal: ≥ 1.0× Python.
 *
 *   node dist/bench/b3-adler32.js [--quick]
 */
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adler32Engine, adler32Js, checksumFile } from '../core/index.js';
import { fmt, isMain, optionsFromArgv, stats, summarize, type BenchOptions, type BenchRow, type Summary } from './bench-stats.js';

export interface B3Result {
  readonly id: 'B3';
  readonly bytes: number;
  readonly engine: 'wasm' | 'js';
  /** GB/s (1e9 bytes per second). */
  readonly espilot: Summary;
  readonly pythonMmap: Summary;
  readonly pythonRead1M: Summary;
  readonly readOnly: Summary;
  /** The plain JS loop in memory, for reference. */
  readonly jsInMemory: number;
  /** espilot / the faster Python method. */
  readonly ratio: number;
  readonly goal: 1;
  readonly pass: boolean;
  /** Per repetition: espilot / the faster Python method of that repetition. */
  readonly ratioSamples: readonly number[];
}

export interface B3Options extends BenchOptions {
  /** File size (default 1 GiB, quick 256 MiB). */
  readonly bytes?: number;
  /** Repetitions (default 5, quick 3). */
  readonly reps?: number;
}

const PYTHON = `
import mmap, sys, time, zlib, json
path, method = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if method == 'mmap':
    with open(path, 'rb') as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        a = zlib.adler32(m)
        m.close()
else:
    a = 1
    with open(path, 'rb') as f:
        while True:
            d = f.read(1 << 20)
            if not d:
                break
            a = zlib.adler32(d, a)
dt = time.perf_counter() - t
print(json.dumps({"adler32": "%08x" % (a & 0xffffffff), "seconds": dt}))
`;

export async function run(opts: B3Options = {}): Promise<B3Result> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const bytes = opts.bytes ?? (opts.quick ? 256 * 1024 * 1024 : 1024 * 1024 * 1024);
  const reps = opts.reps ?? (opts.quick ? 3 : 5);
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b3-'));
  try {
    const path = join(dir, 'data.bin');
    await writeData(path, bytes);
    const expected = (await checksumFile(path)).adler32.value; // also warms the page cache
    const samples = { espilot: [] as number[], mmap: [] as number[], read1m: [] as number[], readOnly: [] as number[] };
    for (let r = 0; r < reps; r++) {
      samples.espilot.push(await timed(bytes, async () => check(expected, (await checksumFile(path)).adler32.value, 'espilot')));
      samples.mmap.push(await python(path, 'mmap', bytes, expected));
      samples.read1m.push(await python(path, 'read1m', bytes, expected));
      samples.readOnly.push(await timed(bytes, () => readOnly(path)));
      log(`B3 rep ${r + 1}/${reps}: espilot ${samples.espilot[r]!.toFixed(2)} GB/s, python mmap ${samples.mmap[r]!.toFixed(2)}, python 1 MiB reads ${samples.read1m[r]!.toFixed(2)}, read-only ${samples.readOnly[r]!.toFixed(2)}`);
    }
    const buf = randomBytes(64 * 1024 * 1024);
    const jsInMemory = await timed(buf.length, async () => { adler32Js(buf); });
    const espilot = summarize(samples.espilot);
    const pythonMmap = summarize(samples.mmap);
    const pythonRead1M = summarize(samples.read1m);
    const ratio = espilot.median / Math.max(pythonMmap.median, pythonRead1M.median);
    const ratioSamples = samples.espilot.map((e, i) => e / Math.max(samples.mmap[i]!, samples.read1m[i]!));
    return {
      id: 'B3', bytes, engine: adler32Engine(), espilot, pythonMmap, pythonRead1M, readOnly: summarize(samples.readOnly),
      jsInMemory, ratio, goal: 1, pass: ratio >= 1, ratioSamples,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Random 16 MiB blocks repeated: adler32's speed does not depend on the bytes. */
async function writeData(path: string, bytes: number): Promise<void> {
  const block = randomBytes(16 * 1024 * 1024);
  const fh = await open(path, 'w');
  try {
    for (let at = 0; at < bytes; at += block.length) await fh.write(block, 0, Math.min(block.length, bytes - at));
  } finally {
    await fh.close();
  }
}

async function timed(bytes: number, fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return bytes / ((performance.now() - t) / 1000) / 1e9;
}

async function python(path: string, method: 'mmap' | 'read1m', bytes: number, expected: string): Promise<number> {
  const { stdout } = await promisify(execFile)('python3', ['-c', PYTHON, path, method], { maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout) as { adler32: string; seconds: number };
  check(expected, r.adler32, `python ${method}`);
  return bytes / r.seconds / 1e9;
}

async function readOnly(path: string): Promise<void> {
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  try {
    while ((await fh.read(buf, 0, buf.length, null)).bytesRead > 0);
  } finally {
    await fh.close();
  }
}

function check(expected: string, got: string, who: string): void {
  if (expected !== got) throw new Error(`B3: ${who} computed adler32 ${got}, expected ${expected}`);
}

/** The harness's table lines: espilot against Python (the goal), and against the read-only floor. */
export function rows(r: B3Result): BenchRow[] {
  const python = r.pythonMmap.median >= r.pythonRead1M.median ? { label: 'Python zlib.adler32, mmap', s: r.pythonMmap } : { label: 'Python zlib.adler32, 1 MiB reads', s: r.pythonRead1M };
  return [{
    id: 'B3', label: 'adler32 of a file', unit: 'GB/s', espilot: stats(r.espilot.samples),
    baseline: { label: python.label, stats: stats(python.s.samples) }, ratio: stats(r.ratioSamples), goal: `≥ ${r.goal}×`, pass: r.pass,
  }];
}

export function report(r: B3Result): string {
  return [
    `B3 adler32, ${(r.bytes / 2 ** 30).toFixed(2)} GiB from the page cache (GB/s, median of runs)`,
    `  espilot checksumFile (${r.engine}):  ${fmt(r.espilot)}`,
    `  python zlib, mmap (pilot3):     ${fmt(r.pythonMmap)}`,
    `  python zlib, 1 MiB reads:       ${fmt(r.pythonRead1M)}`,
    `  node read-only (floor anchor):  ${fmt(r.readOnly)}`,
    `  plain JS loop, in memory:       ${r.jsInMemory.toFixed(2)}`,
    `  ratio vs the faster Python: ${r.ratio.toFixed(2)}× (goal ≥ ${r.goal}×) ${r.pass ? 'PASS' : 'BELOW GOAL'}`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await run(optionsFromArgv(process.argv));
  process.stdout.write(`${report(result)}\n${JSON.stringify(result)}\n`);
}
