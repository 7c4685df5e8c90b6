/**
 * Small helpers shared by the benchmarks: repeated measurements summarised as median and
 * interquartile range, `--quick` parsing, and "run when executed directly".
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export interface Summary {
  readonly median: number;
  /** 25th and 75th percentiles. */
  readonly q1: number;
  readonly q3: number;
  readonly samples: readonly number[];
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo]! + (s[Math.ceil(i)]! - s[lo]!) * (i - lo);
  };
  return { median: at(0.5), q1: at(0.25), q3: at(0.75), samples: s };
}

export function fmt(x: Summary, digits = 2): string {
  return `${x.median.toFixed(digits)} (IQR ${x.q1.toFixed(digits)}–${x.q3.toFixed(digits)})`;
}

export interface BenchOptions {
  /** Smaller workload, fewer repetitions: a smoke run. */
  readonly quick?: boolean;
  /** Where progress lines go (default: stderr). */
  readonly log?: (line: string) => void;
}

export function optionsFromArgv(argv: readonly string[]): BenchOptions {
  return { quick: argv.includes('--quick') };
}

/** True when `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}

/** Smallest, middle and largest of a set of repetitions. */
export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** How many repetitions. */
  readonly n: number;
}

/** min/median/max of the samples (NaN everywhere for none). */
export function stats(samples: readonly number[]): Stats {
  if (samples.length === 0) return { min: NaN, median: NaN, max: NaN, n: 0 };
  const s = summarize(samples);
  return { min: s.samples[0]!, median: s.median, max: s.samples[s.samples.length - 1]!, n: samples.length };
}

/**
 * One line of the harness's table: espilot's figure beside its baseline measured in the same
 * run, and their ratio taken per repetition (paired), each as min/median/max.
 */
export interface BenchRow {
  /** `B1`, `B4`, ... */
  readonly id: string;
  /** What is measured, e.g. `W=1 ranges/s`. */
  readonly label: string;
  readonly unit: string;
  readonly espilot: Stats;
  readonly baseline?: { readonly label: string; readonly stats: Stats };
  /** espilot / baseline per repetition. */
  readonly ratio?: Stats;
  /** The goal in words, e.g. `≥ 0.5× baseline`, and whether the median meets it. */
  readonly goal?: string;
  readonly pass?: boolean;
}
