/**
 * The loaded-run wrapper itself: the command runs with ESPILOT_TEST_SLOWDOWN set, its exit
 * code comes back, and stress-ng and its temp dir are gone afterwards, also when the
 * command fails. A small load (one CPU hog, one writer) keeps it short.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processesWith } from '../helpers/process-state.js';
import { declaredSlowdown, scaled } from '../helpers/slowdown.js';
import { stressArgs } from './run-loaded.js';

const WRAPPER = join(fileURLToPath(new URL('.', import.meta.url)), 'run-loaded.js');
/** The temp dir the wrapper gave stress-ng, from what it printed. */
const loadDir = (stderr: string) => /--temp-path (\S+)/.exec(stderr)?.[1];

function wrap(command: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [WRAPPER, '--cpu', '1', '--hdd', '1', '--iomix', '0', '--io', '0', '--', ...command], { timeout: scaled(60_000) }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

test.serial('the wrapped command sees the measured slowdown; its exit code (even a failure) is the wrapper\'s; stress-ng and its files are gone after', async (t) => {
  const r = await wrap([process.execPath, '-e', 'console.log(process.env.ESPILOT_TEST_SLOWDOWN); process.exit(3)']);
  t.is(r.code, 3, r.stderr);
  t.true(declaredSlowdown({ ESPILOT_TEST_SLOWDOWN: r.stdout.trim() }) >= 1, r.stdout);
  t.regex(r.stderr, /calibration \d+ ms before the load, \d+ ms under it: ESPILOT_TEST_SLOWDOWN=\d+\.\d\d/);
  const dir = loadDir(r.stderr);
  t.truthy(dir, r.stderr);
  t.false(existsSync(dir!), `${dir} removed`);
  t.deepEqual(await processesWith(dir!), [], `no stress-ng worker on ${dir} left running`);
  t.deepEqual(stressArgs({ cpu: 1, hdd: 1, iomix: 0, io: 0, maxS: 1 }, '/x'), ['--cpu', '1', '--hdd', '1', '--hdd-bytes', '64M', '--temp-path', '/x', '--timeout', '1s', '--quiet'], 'stressors at 0 are left out');
});

test('a bad ESPILOT_TEST_SLOWDOWN is refused, naming the variable', (t) => {
  t.throws(() => declaredSlowdown({ ESPILOT_TEST_SLOWDOWN: 'fast' }), { message: /ESPILOT_TEST_SLOWDOWN must be a number ≥ 1 .*got "fast"/ });
  t.throws(() => declaredSlowdown({ ESPILOT_TEST_SLOWDOWN: '0.5' }), { message: /ESPILOT_TEST_SLOWDOWN/ });
  t.is(declaredSlowdown({}), 1);
  t.is(declaredSlowdown({ ESPILOT_TEST_SLOWDOWN: '2.5' }), 2.5);
  t.is(scaled(1000, 2.5), 2500);
});
