/**
 * `espilot mover-test`: how a site checks its movers and object-store keys before taking jobs.
 * For each mover of an activity it puts a small test object where the configuration points,
 * stats it, checks the recorded checksum, gets it back, deletes it, and prints a pass/fail
 * line per check. Exit 0 only if every check passed; 1 if one failed; 2 for bad input.
 */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ACTIVITIES, ConfigError, PilotError, adler32, bindDestination, checksumsEqual, formatAdler32, formatIssue, queueDestinations, stageOutTo,
  type Activity, type Checksum, type PilotRun,
} from '../../core/index.js';
import { openRun, withConfigOptions, type ConfigFlags } from './common-options.js';

interface MoverTestFlags extends ConfigFlags {
  readonly activity: string;
  readonly url?: string;
  readonly mover?: string;
  readonly size: string;
  readonly timeout: string;
}

export function registerMoverTestCommand(program: Command): void {
  withConfigOptions(program.command('mover-test').description('put, stat, checksum, get and delete a small test object with the movers of an activity'))
    .requiredOption('-a, --activity <activity>', `transfer activity (${ACTIVITIES.join(', ')})`)
    .option('--url <base>', 'storage location to test (required for pw/pr unless the queue names a storage)')
    .option('--mover <name>', 'test only this mover (default: every mover of the activity)')
    .option('--size <bytes>', 'size of the test object', '65536')
    .option('--timeout <seconds>', 'deadline of each transfer', '120')
    .action(async (flags: MoverTestFlags) => {
      process.exitCode = await moverTest(flags, (line) => process.stdout.write(`${line}\n`));
    });
}

/** Runs the checks; returns the exit code. */
export async function moverTest(flags: MoverTestFlags, print: (line: string) => void): Promise<number> {
  const activity = flags.activity as Activity;
  const size = Number(flags.size);
  const timeoutS = Number(flags.timeout);
  const bad = [
    !ACTIVITIES.includes(activity) && `--activity: expected one of ${ACTIVITIES.join(', ')}, got "${flags.activity}"`,
    !(Number.isInteger(size) && size >= 0 && size <= 1 << 30) && `--size: expected a byte count up to 1 GiB, got "${flags.size}"`,
    !(timeoutS > 0) && `--timeout: expected seconds > 0, got "${flags.timeout}"`,
  ].filter(Boolean);
  if (bad.length) return usage(print, bad as string[]);
  let run: PilotRun;
  try {
    run = await openRun(flags);
  } catch (err) {
    if (err instanceof ConfigError) return usage(print, err.issues.map(formatIssue));
    throw err;
  }
  try {
    const configured = queueDestinations(run.settings, run.registry).find((d) => d.activity === activity);
    const base = flags.url ?? configured?.base;
    if (!base) return usage(print, [`no storage for activity ${activity} in the configuration (astorages.${activity} or the objectstore field); pass --url <base>`]);
    const names = flags.mover ? [flags.mover] : (configured?.names ?? []);
    if (names.length === 0) return usage(print, [`no mover configured for activity ${activity} (acopytools or copytool); pass --mover <name>`]);
    let failed = 0;
    for (const name of names) failed += await testMover(run, activity, name, base, { size, timeoutMs: timeoutS * 1000 }, print);
    print(failed === 0 ? `mover-test: all checks passed (${names.join(', ')} at ${base})` : `mover-test: ${failed} check(s) failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    await run.dispose();
  }
}

function usage(print: (line: string) => void, problems: readonly string[]): number {
  for (const p of problems) print(`error: ${p}`);
  return 2;
}

type Check = 'put' | 'stat' | 'checksum' | 'get' | 'delete';

/** The five checks of one mover; returns how many did not pass. */
async function testMover(run: PilotRun, activity: Activity, name: string, base: string, o: { size: number; timeoutMs: number }, print: (line: string) => void): Promise<number> {
  let failed = 0;
  // Lines name the plugin that ran (an alias such as `objectstore` or `gfal-copy` resolves to it).
  let label = name;
  const report = (check: Check, ok: boolean | 'skip', detail: string) => {
    if (ok !== true) failed++;
    print(`${ok === true ? 'PASS' : ok === 'skip' ? 'SKIP' : 'FAIL'} ${label} ${check.padEnd(8)} ${detail}`);
  };
  // The mover and checksum store exactly as a job's binding would resolve them for this base.
  const bound = bindDestination(run.resolver, { activity, direction: 'out', base, names: [name], missing: '' });
  const dest = bound.destination;
  if (!dest) {
    const reason = bound.rejected[0]?.reason ?? bound.error!.message;
    for (const c of ['put', 'stat', 'checksum', 'get', 'delete'] as const) report(c, c === 'put' ? false : 'skip', c === 'put' ? reason : 'no mover');
    return failed;
  }
  const { mover } = dest.candidates[0]!;
  label = dest.candidates[0]!.name.split('→').pop()!;
  const once = { ...dest.retry, attempts: 1 };
  const dir = await mkdtemp(join(tmpdir(), 'espilot-mover-test-'));
  const data = randomBytes(o.size);
  const local = join(dir, 'object');
  await writeFile(local, data);
  const sum: Checksum = { type: 'adler32', value: formatAdler32(adler32(data)) };
  const url = dest.url(`espilot-mover-test-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const step = async (check: Check, body: () => Promise<string>) => {
    const started = Date.now();
    try {
      report(check, true, `${await body()} (${Date.now() - started} ms)`);
      return true;
    } catch (err) {
      report(check, false, describe(err));
      return false;
    }
  };
  try {
    const put = await step('put', async () => {
      const r = await stageOutTo(dest, { localPath: local, url, overwrite: false, timeoutMs: o.timeoutMs }, run.logger.child('mover-test'), once);
      return `${url}: ${r.size} bytes, ad:${r.checksum.value}`;
    });
    if (!put) {
      for (const c of ['stat', 'checksum', 'get', 'delete'] as const) report(c, 'skip', 'put failed');
      return failed;
    }
    let recorded: readonly Checksum[] = [];
    await step('stat', async () => {
      const st = await mover.stat(url);
      if (!st) throw new Error('the object is not there');
      if (st.size !== o.size) throw new Error(`size ${st.size}, expected ${o.size}`);
      recorded = st.checksums;
      return `${st.size} bytes`;
    });
    await step('checksum', async () => {
      const known = recorded.length ? recorded : ((await dest.checksumStore?.lookup(url))?.checksums ?? []);
      const ad = known.find((c) => c.type === 'adler32');
      if (!ad) throw new Error('the storage keeps no adler32 for the object, so stage-in cannot verify it against the store');
      if (!checksumsEqual(ad, sum)) throw new Error(`stored adler32 ${ad.value}, expected ${sum.value}`);
      return `ad:${ad.value}`;
    });
    await step('get', async () => {
      const back = join(dir, 'back');
      await mover.stageIn({ localPath: back, url, timeoutMs: o.timeoutMs });
      if (!(await readFile(back)).equals(data)) throw new Error('the bytes read back differ from the bytes written');
      return 'byte-identical';
    });
    await step('delete', async () => {
      await mover.delete(url);
      await dest.checksumStore?.forget?.(url);
      if (await mover.stat(url)) throw new Error('the object is still there');
      return 'removed';
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return failed;
}

function describe(err: unknown): string {
  if (err instanceof PilotError) return `${err.diagnostic} [${err.codeName}]`;
  return (err as Error).message ?? String(err);
}
