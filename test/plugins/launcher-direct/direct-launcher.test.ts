import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, PayloadLauncher, PilotError, type PayloadLauncher as Launcher } from '../../../core/index.js';
import { makeRun, type TestRun } from '../../helpers/make-run.js';
import { isAlive, waitGone } from '../../helpers/process-state.js';
import { tempDir } from '../../helpers/temp-dir.js';

let run: TestRun;
let dir: { path: string; remove(): Promise<void> };
let launcher: Launcher;
test.before(async () => {
  run = await makeRun();
  dir = await tempDir('espilot-direct-');
  launcher = run.resolver.get<Launcher>(PayloadLauncher, 'direct');
});
test.after.always(async () => {
  await run.dispose();
  await dir.remove();
});

const files = (name: string) => ({ stdoutPath: join(dir.path, `${name}.out`), stderrPath: join(dir.path, `${name}.err`) });

test('runs the shell string in cwd with exactly the given env, appending output', async (t) => {
  process.env['ESPILOT_LEAK_CHECK'] = 'leaked';
  t.teardown(() => delete process.env['ESPILOT_LEAK_CHECK']);
  const f = files('env');
  await writeFile(f.stdoutPath, 'before\n');
  const p = await launcher.launch({
    command: 'pwd; env | sort; echo to-stderr >&2; exit 3', cwd: dir.path, env: { FOO: 'bar baz', PATH: '/usr/bin:/bin' }, ...f,
  });
  t.deepEqual(await p.exit, { code: 3, signal: null });
  const out = (await readFile(f.stdoutPath, 'utf8')).split('\n');
  t.is(out[0], 'before', 'appended, not truncated');
  t.is(out[1], dir.path);
  t.true(out.includes('FOO=bar baz'));
  t.false(out.some((l) => l.startsWith('ESPILOT_LEAK_CHECK')), 'nothing inherited from the pilot');
  t.is(await readFile(f.stderrPath, 'utf8'), 'to-stderr\n');
});

test('the payload leads its own process group and kill reaches the whole group', async (t) => {
  const f = files('group');
  const p = await launcher.launch({ command: "sleep 60 & echo $! > child.pid; cut -d' ' -f5 /proc/$$/stat > pgid; wait", cwd: dir.path, env: { PATH: '/usr/bin:/bin' }, ...f });
  let childPid = 0;
  for (let i = 0; i < 200 && !childPid; i++) {
    childPid = Number(await readFile(join(dir.path, 'child.pid'), 'utf8').catch(() => '0'));
    if (!childPid) await new Promise((r) => setTimeout(r, 20));
  }
  t.true(childPid > 0 && (await isAlive(childPid)));
  // The shell writes pgid after child.pid: wait for the whole line, not just the file.
  let pgid = '';
  for (let i = 0; i < 200 && !/^\d+\n$/.test(pgid); i++) {
    pgid = await readFile(join(dir.path, 'pgid'), 'utf8').catch(() => '');
    if (!/^\d+\n$/.test(pgid)) await new Promise((r) => setTimeout(r, 20));
  }
  t.is(Number(pgid.trim()), p.pid, 'the shell is its group leader');
  t.not(p.pid, process.pid);
  p.kill('SIGTERM');
  t.deepEqual(await p.exit, { code: null, signal: 'SIGTERM' });
  t.true(await waitGone(childPid), 'the background child was signalled too');
  t.notThrows(() => p.kill('SIGKILL'), 'kill after exit is a no-op');
});

test('variables carrying registered secrets are not passed to the payload', async (t) => {
  run.secrets.register('s3cr3t-value-xyz');
  const f = files('secret');
  const p = await launcher.launch({ command: 'env', cwd: dir.path, env: { OK: '1', TOKEN: 'a s3cr3t-value-xyz b', AWS_SECRET_ACCESS_KEY: 'zzzz' }, ...f });
  await p.exit;
  const out = await readFile(f.stdoutPath, 'utf8');
  t.regex(out, /^OK=1$/m);
  t.notRegex(out, /TOKEN|AWS_SECRET/);
  t.true(run.lines.some((l) => /not passing secret-bearing variables.*TOKEN/.test(l)));
});

test('a payload that cannot be started is PAYLOADEXECUTIONFAILURE (1305)', async (t) => {
  const err = await t.throwsAsync(launcher.launch({ command: 'true', cwd: join(dir.path, 'missing'), env: {}, ...files('nocwd') }), { instanceOf: PilotError });
  t.is(err?.code, ErrorCodes.PAYLOADEXECUTIONFAILURE);
  const err2 = await t.throwsAsync(launcher.launch({ command: 'true', cwd: dir.path, env: {}, stdoutPath: join(dir.path, 'no/such/dir/out'), stderrPath: join(dir.path, 'e') }));
  t.is((err2 as PilotError).code, ErrorCodes.PAYLOADEXECUTIONFAILURE);
});
