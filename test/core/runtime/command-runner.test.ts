import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandRunner, PilotError, SecretRegistry, silentLogger, type SpawnRecord } from '../../../core/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

const printArgsAndEnv = 'process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), env: process.env }))';

function runner(secrets = new SecretRegistry(), env: NodeJS.ProcessEnv = process.env) {
  return new CommandRunner(secrets, silentLogger, env);
}

test('arguments reach the program as they are: no shell expands them', async (t) => {
  const r = await runner().run({ command: process.execPath, args: ['-e', printArgsAndEnv, '$(echo hi)', '*', 'a b;c'], timeoutMs: 10_000 });
  t.is(r.exitCode, 0);
  t.deepEqual(JSON.parse(r.stdout).argv, ['$(echo hi)', '*', 'a b;c']);
});

test('children get a scrubbed environment: no registered secret, no credential variable', async (t) => {
  const secrets = new SecretRegistry();
  secrets.register('canary-S3CR3T-value');
  const logs: string[] = [];
  const log = { ...silentLogger, warn: (m: unknown) => logs.push(String(m)) };
  const run = new CommandRunner(secrets, log, { PATH: process.env['PATH'], HOLDS_IT: 'x canary-S3CR3T-value y', AWS_SECRET_ACCESS_KEY: 'other', KEEP: 'kept' });
  const r = await run.run({ command: process.execPath, args: ['-e', printArgsAndEnv], env: { ADDED: 'yes', LEAKY: 'canary-S3CR3T-value' }, timeoutMs: 10_000 });
  const env = JSON.parse(r.stdout).env as Record<string, string>;
  t.is(env['KEEP'], 'kept');
  t.is(env['ADDED'], 'yes');
  t.false('HOLDS_IT' in env);
  t.false('AWS_SECRET_ACCESS_KEY' in env);
  t.false('LEAKY' in env);
  t.true(logs.some((l) => /LEAKY not passed on/.test(l)));
  t.false(JSON.stringify(env).includes('canary-S3CR3T-value'));
});

test('an argument holding a secret is refused before anything starts', async (t) => {
  const secrets = new SecretRegistry();
  secrets.register('canary-S3CR3T-value');
  const run = runner(secrets);
  const spawned: SpawnRecord[] = [];
  run.onSpawn((s) => spawned.push(s));
  const e = await t.throwsAsync(run.run({ command: 'echo', args: ['--key=canary-S3CR3T-value'], timeoutMs: 1000 }), { instanceOf: PilotError });
  t.is(e?.code, 1319);
  t.notRegex(e!.message, /canary/);
  t.deepEqual(spawned, []);
});

test('observers see argv and env while the child runs (its /proc entry is readable)', async (t) => {
  const run = runner();
  const seen: Array<SpawnRecord & { cmdline: string }> = [];
  run.onSpawn((s) => seen.push({ ...s, cmdline: readFileSync(`/proc/${s.pid}/cmdline`, 'utf8') }));
  await run.run({ command: process.execPath, args: ['-e', 'setTimeout(() => {}, 50)', 'marker-arg'], timeoutMs: 10_000 });
  t.is(seen.length, 1);
  t.deepEqual(seen[0]!.args, ['-e', 'setTimeout(() => {}, 50)', 'marker-arg']);
  t.true(seen[0]!.cmdline.split('\0').includes('marker-arg'));
  t.is(seen[0]!.env['PATH'], process.env['PATH'] ?? '');
});

test('the deadline kills the whole process group, grandchildren included', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const pidFile = join(dir.path, 'grandchild.pid');
  const script = `const c = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setTimeout(() => {}, 60000);`;
  const started = Date.now();
  const r = await runner().run({ command: process.execPath, args: ['-e', script], timeoutMs: 800, killGraceMs: 500 });
  t.true(r.timedOut);
  t.is(r.exitCode, null);
  t.true(Date.now() - started < 20_000);
  const grandchild = Number(await readFile(pidFile, 'utf8'));
  await new Promise((res) => setTimeout(res, 300));
  t.false(alive(grandchild), 'the grandchild went with the group');
});

test('an abort signal stops the child; a missing program is SETUPFAILURE (1110)', async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const r = await runner().run({ command: process.execPath, args: ['-e', 'setTimeout(() => {}, 60000)'], timeoutMs: 60_000, signal: ac.signal });
  t.true(r.aborted);
  t.false(r.timedOut);
  const e = await t.throwsAsync(runner().run({ command: 'no-such-tool-espilot', args: [], timeoutMs: 1000 }), { instanceOf: PilotError });
  t.is(e?.code, 1110);
  t.regex(e!.message, /no-such-tool-espilot: not found on PATH/);
});

test('captured output keeps only the tail and masks secrets', async (t) => {
  const secrets = new SecretRegistry();
  const run = runner(secrets);
  const r = await run.run({ command: process.execPath, args: ['-e', "process.stdout.write('x'.repeat(200000) + 'END')"], timeoutMs: 10_000, maxOutputBytes: 1000 });
  t.is(r.stdout.length, 1000);
  t.true(r.stdout.endsWith('END'));
  secrets.register('printed-s3cret');
  const masked = await run.run({ command: process.execPath, args: ['-e', "console.error(Buffer.from('cHJpbnRlZC1zM2NyZXQ=', 'base64').toString())"], timeoutMs: 10_000 });
  t.is(masked.stderr.trim(), '********');
});

test('dispose kills children still running', async (t) => {
  const run = runner();
  let pid = 0;
  run.onSpawn((s) => { pid = s.pid; });
  const pending = run.run({ command: process.execPath, args: ['-e', 'setTimeout(() => {}, 60000)'], timeoutMs: 60_000 });
  while (!pid) await new Promise((r) => setTimeout(r, 10));
  await run.dispose();
  const r = await pending;
  t.is(r.signal, 'SIGKILL');
  t.false(existsSync(`/proc/${pid}/cmdline`) && alive(pid));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
