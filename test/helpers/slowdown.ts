/**
 * How much slower this machine runs right now than an idle one, for the bounds tests hold
 * services and the pilot to (readiness waits, the fault suite's timeouts and exit bound).
 * Two measurements, the larger wins:
 *
 * - declared: `ESPILOT_TEST_SLOWDOWN`, which `npm run test:loaded` (test/load/run-loaded.ts)
 *   sets from a calibration workload timed before and under its load (CPU and disk);
 * - measured here: a busy loop's wall time over the CPU time it got. A process that shares
 *   its core with k others gets 1/(k+1) of it, so the ratio is the CPU starvation now, with
 *   no reference machine to compare against.
 *
 * Bounds are the configured timeouts times this factor, never a wall-clock guess.
 */
export const SLOWDOWN_ENV = 'ESPILOT_TEST_SLOWDOWN';

/** Past this the machine is not slow but stuck; a bound this long says so sooner. */
const MAX_FACTOR = 20;

/** The factor `npm run test:loaded` declared, 1 when none. @throws Error naming the variable when it is not a number ≥ 1. */
export function declaredSlowdown(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[SLOWDOWN_ENV];
  if (text === undefined || text === '') return 1;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 1) throw new Error(`${SLOWDOWN_ENV} must be a number ≥ 1 (a slowdown factor), got ${JSON.stringify(text)}`);
  return Math.min(n, MAX_FACTOR);
}

/** Wall time over CPU time of a busy loop of `sampleMs` (≥ 1: 1 on an idle core). */
export function measureCpuStarvation(sampleMs = 300): number {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let x = 0;
  while (performance.now() - t0 < sampleMs) for (let i = 0; i < 10_000; i++) x = (x * 31 + i) % 1_000_003;
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpu0);
  const cpuMs = (used.user + used.system) / 1000;
  // `x` is used so the loop is not optimised away.
  return x < 0 ? 1 : Math.min(MAX_FACTOR, Math.max(1, wall / Math.max(cpuMs, 1)));
}

let cached: number | undefined;

/** The slowdown factor now: max(declared, measured); measured once per process unless `fresh`. */
export function slowdown(o: { fresh?: boolean } = {}): number {
  if (cached === undefined || o.fresh) cached = Math.max(declaredSlowdown(), measureCpuStarvation());
  return cached;
}

/** `ms` scaled by the slowdown factor (rounded up to whole ms). */
export function scaled(ms: number, factor = slowdown()): number {
  return Math.ceil(ms * factor);
}

/**
 * How long a Node process takes now to start and load `module` (default zeromq, what a
 * payload simulator loads before its first message), ms: for bounds on a child's first sign
 * of life, measured rather than guessed.
 */
export async function measureNodeStartMs(module = 'zeromq'): Promise<number> {
  const { spawn } = await import('node:child_process');
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(module)})`], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node loading ${module} exited ${code}`))));
  });
  return performance.now() - t0;
}
