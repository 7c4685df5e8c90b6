import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCodes, PayloadLauncher, PilotError, launcherNameFor, type PayloadLauncher as Launcher } from '../../../core/index.js';
import { TARGET_UID, writeGlexecStandIn, type GlexecStandIn } from '../../helpers/glexec-standin.js';
import { makeRun } from '../../helpers/make-run.js';
import { tempDir } from '../../helpers/temp-dir.js';

const run$ = promisify(execFile);
const THIRD_UID = 1; // daemon: neither the pilot (root) nor the payload's identity
const PROXY = '-----BEGIN CERTIFICATE-----\nuser-proxy-0123456789abcdef\n-----END CERTIFICATE-----\n';

let dir: { path: string; remove(): Promise<void> };
let ok: GlexecStandIn;
let broken: GlexecStandIn;
test.before(async () => {
  dir = await tempDir('espilot-glexec-');
  ok = await writeGlexecStandIn(dir.path);
  broken = await writeGlexecStandIn(dir.path, { failing: true });
});
test.after.always(() => dir.remove());

async function launcherFor(mode: string, path: string) {
  const run = await makeRun({ cli: { queuedata: { glexec: mode }, pilot: { pluginOptions: { glexec: { path, timeoutMs: 10_000 } } } } });
  return { run, launcher: run.resolver.get<Launcher>(PayloadLauncher, launcherNameFor(run.settings)) };
}

async function workdir(name: string) {
  const w = join(dir.path, name);
  await mkdir(w, { recursive: true });
  return { w, out: join(w, 'payload.out'), err: join(w, 'payload.err') };
}

async function waitFor(path: string, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.endsWith('\n')) return text.trim();
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${path} did not appear`);
}

/** Whether `uid` can read `path` (a real read attempted under that uid). */
async function canRead(uid: number, path: string): Promise<boolean> {
  return run$('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', 'cat', path]).then(() => true, () => false);
}

test('queue glexec selects the glexec launcher; False keeps the configured one', async (t) => {
  const { run } = await launcherFor('True', ok.glexec);
  t.teardown(() => run.dispose());
  t.is(launcherNameFor(run.settings), 'glexec');
  const plain = await makeRun();
  t.teardown(() => plain.dispose());
  t.is(launcherNameFor(plain.settings), 'direct');
});

test('the payload runs under another uid and reads the handed-over proxy; no other uid can read either copy', async (t) => {
  const { run, launcher } = await launcherFor('test', ok.glexec);
  t.teardown(() => run.dispose());
  const { w, out, err } = await workdir('switch');
  const p = await launcher.launch({
    command: 'id -u > uid.txt; cat "$X509_USER_PROXY" > seen.txt; echo "$FOO" > foo.txt; echo "$X509_USER_PROXY" > proxy-path.txt; i=0; while [ ! -e go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done',
    cwd: w, env: { PATH: '/usr/bin:/bin', FOO: 'bar baz' }, stdoutPath: out, stderrPath: err, userProxy: PROXY,
  });
  t.teardown(() => p.kill('SIGKILL'));
  const target = await waitFor(join(w, 'proxy-path.txt'));
  // Tests run concurrently: pick the glexec call that handed over this payload's proxy.
  const [source] = (await readFile(ok.callLog, 'utf8')).trim().split('\n').map((l) => l.split(' ')).find((f) => f[1] === target)!;
  // The handed-over copy: owned by the payload's uid, owner-only.
  const ts = await stat(target);
  t.is(ts.uid, TARGET_UID);
  t.is(ts.mode & 0o777, 0o600);
  t.false(await canRead(THIRD_UID, target), 'a third uid cannot read the payload proxy');
  // The pilot's copy of the job proxy: root-owned, 0600, in a 0700 directory.
  const ss = await stat(source!);
  t.is(ss.uid, 0);
  t.is(ss.mode & 0o777, 0o600);
  t.is((await stat(dirname(source!))).mode & 0o777, 0o700);
  t.false(await canRead(TARGET_UID, source!), "the payload's uid cannot read the pilot's copy");
  t.false(await canRead(THIRD_UID, source!));
  await writeFile(join(w, 'go'), '');
  t.deepEqual(await p.exit, { code: 0, signal: null }, await readFile(err, 'utf8'));
  t.is((await readFile(join(w, 'uid.txt'), 'utf8')).trim(), String(TARGET_UID), 'ran under the other identity');
  t.is(await readFile(join(w, 'seen.txt'), 'utf8'), PROXY, 'the payload could read its proxy');
  t.is((await readFile(join(w, 'foo.txt'), 'utf8')).trim(), 'bar baz', 'the environment crossed glexec');
  t.false(existsSync(target), 'handed-over proxy removed after the payload');
  t.false(existsSync(dirname(target)), 'sandbox removed');
  t.false(existsSync(source!), "pilot's copy removed");
  t.false(run.lines.some((l) => l.includes('user-proxy-0123456789abcdef')), 'the proxy never reaches the log');
});

test('kill reaches the payload running under the other identity', async (t) => {
  const { run, launcher } = await launcherFor('true', ok.glexec);
  t.teardown(() => run.dispose());
  const { w, out, err } = await workdir('kill');
  const p = await launcher.launch({ command: 'echo $$ > pid.txt; sleep 60', cwd: w, env: { PATH: '/usr/bin:/bin' }, stdoutPath: out, stderrPath: err, userProxy: PROXY });
  t.teardown(() => p.kill('SIGKILL'));
  await waitFor(join(w, 'pid.txt'));
  p.kill('SIGTERM');
  const exit = await p.exit;
  t.true(exit.signal === 'SIGTERM' || exit.code === 143, JSON.stringify(exit));
});

test('test mode: a failed ping fails the launch with GLEXEC (1226) and nothing runs', async (t) => {
  const { run, launcher } = await launcherFor('test', broken.glexec);
  t.teardown(() => run.dispose());
  const { w, out, err } = await workdir('test-mode');
  const e = await t.throwsAsync(launcher.launch({ command: 'touch ran', cwd: w, env: {}, stdoutPath: out, stderrPath: err, userProxy: PROXY }), { instanceOf: PilotError });
  t.is(e?.code, ErrorCodes.GLEXEC);
  t.regex(e!.message, /ping .*\/bin\/true" failed: exit code 203: glexec: authorization failed/);
  t.false(existsSync(join(w, 'ran')));
  const missing = await launcherFor('test', join(dir.path, 'nowhere', 'glexec'));
  t.teardown(() => missing.run.dispose());
  const e2 = await t.throwsAsync(missing.launcher.launch({ command: 'true', cwd: w, env: {}, stdoutPath: out, stderrPath: err, userProxy: PROXY }), { instanceOf: PilotError });
  t.is(e2?.code, ErrorCodes.GLEXEC);
  t.regex(e2!.message, /glexec not found \(looked at .*nowhere\/glexec.*\/usr\/sbin\/glexec\)/);
});

test('True mode: a failed ping falls back to the direct launcher with a warning', async (t) => {
  const { run, launcher } = await launcherFor('True', broken.glexec);
  t.teardown(() => run.dispose());
  const { w, out, err } = await workdir('fallback');
  const p = await launcher.launch({ command: 'id -u', cwd: w, env: { PATH: '/usr/bin:/bin' }, stdoutPath: out, stderrPath: err, userProxy: PROXY });
  t.is((await p.exit).code, 0);
  t.is((await readFile(out, 'utf8')).trim(), String(process.getuid!()), "ran as the pilot's own user");
  t.true(run.lines.some((l) => /glexec unusable \(ping .* failed.*\); running the payload directly/.test(l)));
});
