/**
 * Runs a command on a saturated machine, as a pilot runs beside a payload that uses every
 * core and writes its outputs while the pilot syncs its journal and uploads:
 *
 *   node dist/test/load/run-loaded.js [--cpu N] [--hdd N] [--iomix N] [--io N] [--max-s S] -- <command> [args...]
 *
 * stress-ng (Debian) runs CPU hogs on every core (`--cpu 0`, the default), `--hdd` writers,
 * `--iomix` mixed I/O and `--io` sync() callers (one each by default; 0 for none) in a temp dir, for as long as the command runs; it is
 * stopped and its dir removed however the command ends (exit, Ctrl-C, SIGTERM), and it
 * stops by itself after `--max-s` should this process be killed outright.
 *
 * Before the load starts and once it is on, a small calibration workload (hashing plus
 * fsync'd writes) is timed; the ratio goes to the command as ESPILOT_TEST_SLOWDOWN, which
 * test/helpers/slowdown.ts turns into the factor readiness waits and fault-suite bounds
 * scale by. The command's exit code is this one's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SLOWDOWN_ENV } from '../helpers/slowdown.js';

export interface LoadOptions {
  /** CPU hogs; 0 = one per online core (stress-ng's meaning). */
  readonly cpu: number;
  readonly hdd: number;
  readonly iomix: number;
  /** sync() callers. */
  readonly io: number;
  /** stress-ng stops by itself after this long (a safety net only). */
  readonly maxS: number;
}

export const DEFAULT_LOAD: LoadOptions = { cpu: 0, hdd: 1, iomix: 1, io: 1, maxS: 3 * 3600 };

/** stress-ng's arguments for `o`, its files in `dir` (`--cpu 0` is one hog per core; other stressors at 0 are left out). */
export function stressArgs(o: LoadOptions, dir: string): string[] {
  return [
    '--cpu', String(o.cpu),
    ...(o.hdd ? ['--hdd', String(o.hdd), '--hdd-bytes', '64M'] : []),
    ...(o.iomix ? ['--iomix', String(o.iomix), '--iomix-bytes', '64M'] : []),
    ...(o.io ? ['--io', String(o.io)] : []),
    '--temp-path', dir, '--timeout', `${o.maxS}s`, '--quiet',
  ];
}

/** ms of one calibration round: hashing 128 MiB (CPU: long enough for the scheduler's steady share) and 16 fsync'd 64 KiB writes (disk) in `dir`. */
async function calibrationRound(dir: string): Promise<number> {
  const t0 = performance.now();
  const block = Buffer.alloc(1 << 20, 7);
  for (let i = 0; i < 128; i++) createHash('sha256').update(block).digest();
  const chunk = Buffer.alloc(64 << 10, 1);
  for (let i = 0; i < 16; i++) {
    const fh = await open(join(dir, `calibrate-${i}`), 'w');
    try {
      await fh.write(chunk);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  return performance.now() - t0;
}

/** Median of five calibration rounds, ms. */
export async function calibrate(dir: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push(await calibrationRound(dir));
  return times.sort((a, b) => a - b)[2]!;
}

function parse(argv: readonly string[]): { load: LoadOptions; command: string[] } {
  const sep = argv.indexOf('--');
  if (sep < 0 || sep === argv.length - 1) throw new Error('usage: run-loaded [--cpu N] [--hdd N] [--iomix N] [--io N] [--max-s S] -- <command> [args...]');
  const load: Record<string, number> = { ...DEFAULT_LOAD };
  const own = argv.slice(0, sep);
  for (let i = 0; i < own.length; i += 2) {
    const name = own[i]!.replace(/^--/, '');
    const key = name === 'max-s' ? 'maxS' : name;
    const n = Number(own[i + 1]);
    if (!(key in DEFAULT_LOAD)) throw new Error(`run-loaded: unknown option ${own[i]} (known: --cpu --hdd --iomix --io --max-s)`);
    if (!Number.isInteger(n) || n < 0) throw new Error(`run-loaded: ${own[i]} needs a whole number ≥ 0, got ${JSON.stringify(own[i + 1])}`);
    load[key] = n;
  }
  return { load: load as unknown as LoadOptions, command: argv.slice(sep + 1) };
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const group = (signal: NodeJS.Signals) => { try { process.kill(-child.pid!, signal); } catch { /* gone */ } };
    const timer = setTimeout(() => group('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    group('SIGTERM');
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const { load, command } = parse(argv);
  const dir = mkdtempSync(join(tmpdir(), 'espilot-load-'));
  let stress: ChildProcess | undefined;
  let wrapped: ChildProcess | undefined;
  const cleanup = async () => {
    await stop(stress);
    rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      wrapped?.kill(signal);
      void cleanup().then(() => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
    });
  }
  try {
    const quiet = await calibrate(dir);
    // Its own process group, so stopping it stops every worker it forked.
    stress = spawn('stress-ng', stressArgs(load, dir), { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const failed = new Promise<never>((_, reject) => stress!.once('error', (err) => reject(new Error(`run-loaded: cannot start stress-ng (apt-get install stress-ng): ${err.message}`))));
    await Promise.race([new Promise((r) => setTimeout(r, 3000)), failed]);
    if (stress.exitCode !== null) throw new Error(`run-loaded: stress-ng exited at once (code ${stress.exitCode})`);
    const loaded = await calibrate(dir);
    const factor = Math.max(1, loaded / quiet);
    process.stderr.write(`run-loaded: stress-ng ${stressArgs(load, dir).join(' ')}\n`
      + `run-loaded: calibration ${quiet.toFixed(0)} ms before the load, ${loaded.toFixed(0)} ms under it: ${SLOWDOWN_ENV}=${factor.toFixed(2)}\n`);
    const started = Date.now();
    wrapped = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...process.env, [SLOWDOWN_ENV]: factor.toFixed(2) } });
    const [code, signal] = (await Promise.race([
      new Promise<[number | null, NodeJS.Signals | null]>((resolve) => wrapped!.once('exit', (c, s) => resolve([c, s]))),
      failed,
    ]));
    process.stderr.write(`run-loaded: ${command.join(' ')} ended (${signal ?? `exit ${code}`}) after ${((Date.now() - started) / 1000).toFixed(0)} s under load\n`);
    return code ?? 1;
  } finally {
    await cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  });
}
