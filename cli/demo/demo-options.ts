/**
 * `espilot demo` flags, checked once at the edge: every bad value is named with what was
 * expected, all of them at once.
 */
import { ConfigError, describeValue, type ConfigIssue, type LogFormat, type LogLevel } from '../../core/index.js';

export interface DemoOptions {
  /** Events per input file (the demo task has two files; one event per range). */
  readonly events: number;
  /** Simulated AthenaMP workers (the job's coreCount). */
  readonly workers: number;
  /** Probability that the simulator fails a range (`--errorRate`). */
  readonly errorRate: number;
  /** The simulator's seed: which ranges fail is decided from it and the range ID. */
  readonly seed: number;
  /** Attempts per range before the dispatcher gives up on it (and on the task). */
  readonly maxAttempts: number;
  /** Absolute; created, must be empty if it exists. */
  readonly workdir?: string;
  /** Base URL for ES outputs instead of the local `file://` object store. */
  readonly objectstore?: string;
  /** Site configuration (plugins, options, queuedata overrides, credentials). */
  readonly config?: string;
  /** Key files the embedded dispatcher serves through getKeyPair (`<dir>/<key name>`). */
  readonly keys?: string;
  /** What reaches stderr (the log file gets `info` or more). */
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Progress bars (on a terminal) or progress lines. */
  readonly progress: boolean;
  /** Keep the job directories whole (`pilot.keepWorkdir`). */
  readonly keepWorkdir: boolean;
}

export interface DemoFlags {
  readonly events: string;
  readonly workers: string;
  readonly errorRate: string;
  readonly seed: string;
  readonly maxAttempts: string;
  readonly workdir?: string;
  readonly objectstore?: string;
  readonly config?: string;
  readonly keys?: string;
  readonly logLevel: string;
  readonly logFormat: string;
  readonly progress: boolean;
  readonly keepWorkdir?: boolean;
}

export const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug', 'trace'];

/** @throws ConfigError naming every bad flag. */
export function parseDemoFlags(f: DemoFlags): DemoOptions {
  const issues: ConfigIssue[] = [];
  const int = (flag: string, text: string, min: number, max: number): number => {
    const n = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || n < min || n > max) issues.push({ path: flag, expected: `an integer from ${min} to ${max}`, got: describeValue(text) });
    return n;
  };
  const events = int('--events', f.events, 1, 100_000);
  const workers = int('--workers', f.workers, 1, 256);
  const seed = int('--seed', f.seed, 0, 2 ** 31 - 1);
  const maxAttempts = int('--max-attempts', f.maxAttempts, 1, 100);
  const errorRate = Number(f.errorRate);
  if (f.errorRate.trim() === '' || !Number.isFinite(errorRate) || errorRate < 0 || errorRate >= 1) {
    issues.push({ path: '--error-rate', expected: 'a probability from 0 up to (not including) 1', got: describeValue(f.errorRate) });
  }
  if (f.objectstore !== undefined && !/^[a-z][a-z0-9+.-]*:\/\/./i.test(f.objectstore)) {
    issues.push({ path: '--objectstore', expected: 'a URL with a scheme, e.g. s3://host:port/bucket or root://host//path', got: describeValue(f.objectstore) });
  }
  if (!(LOG_LEVELS as readonly string[]).includes(f.logLevel)) issues.push({ path: '--log-level', expected: LOG_LEVELS.join(', '), got: describeValue(f.logLevel) });
  if (f.logFormat !== 'text' && f.logFormat !== 'json') issues.push({ path: '--log-format', expected: 'text or json', got: describeValue(f.logFormat) });
  if (f.workdir !== undefined && f.workdir.trim() === '') issues.push({ path: '--workdir', expected: 'a directory path', got: describeValue(f.workdir) });
  if (issues.length) throw new ConfigError(issues, undefined, 'demo');
  return Object.freeze({
    events, workers, errorRate, seed, maxAttempts,
    ...(f.workdir ? { workdir: f.workdir } : {}),
    ...(f.objectstore ? { objectstore: f.objectstore.replace(/\/+$/, '') } : {}),
    ...(f.config ? { config: f.config } : {}),
    ...(f.keys ? { keys: f.keys } : {}),
    logLevel: f.logLevel as LogLevel, logFormat: f.logFormat as LogFormat, progress: f.progress, keepWorkdir: f.keepWorkdir === true,
  });
}
