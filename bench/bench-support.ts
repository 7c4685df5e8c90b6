/** What the benchmarks share: statistics over repetitions, and the command-line entry. */
import { pathToFileURL } from 'node:url';

export interface Spread {
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  return { median: at(0.5), q1: at(0.25), q3: at(0.75) };
}

export function rounded(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The value at quantile `q` of unsorted samples (nearest rank). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * When `moduleUrl` is the process's entry script: runs the benchmark (`--quick` for a smoke
 * run) and prints its figures, as JSON with `--json`, else as `describe` renders them.
 */
export async function benchMain<R>(moduleUrl: string, run: (o: { quick: boolean }) => Promise<R>, describe: (r: R) => string): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const result = await run({ quick: process.argv.includes('--quick') });
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(result)}\n` : describe(result));
}
