/**
 * The container launcher with the bwrap runtime as a PayloadLauncher: the payload runs in the
 * sandbox in its work dir with exactly the given environment minus secrets, and kill reaches
 * everything it started inside; without an image the apptainer runtime refuses with 1305.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, PayloadLauncher, PilotError, type PayloadLauncher as Launcher } from '../../../core/index.js';
import { makeRun, type TestRun } from '../../helpers/make-run.js';
import { processesWith, waitGone } from '../../helpers/process-state.js';
import { tempDir } from '../../helpers/temp-dir.js';

let run: TestRun;
let dir: { path: string; remove(): Promise<void> };
let launcher: Launcher;
test.before(async () => {
  run = await makeRun({ cli: { queuedata: { container_type: 'apptainer:pilot' }, pilot: { pluginOptions: { container: { runtime: 'bwrap' } } } } });
  dir = await tempDir('espilot-container-');
  launcher = run.resolver.get<Launcher>(PayloadLauncher, 'container');
});
test.after.always(async () => {
  await run.dispose();
  await dir.remove();
});

const files = (name: string) => ({ stdoutPath: join(dir.path, `${name}.out`), stderrPath: join(dir.path, `${name}.err`) });

test('the payload runs sandboxed in its work dir with the given env, secrets scrubbed', async (t) => {
  run.secrets.register('s3cr3t-container-xyz');
  const f = files('env');
  const p = await launcher.launch({ command: 'echo pid=$$; pwd; env | sort; ls /home 2>&1 | head -1', cwd: dir.path, env: { FOO: 'bar baz', PATH: '/usr/bin:/bin', TOKEN: 'x s3cr3t-container-xyz' }, ...f });
  t.deepEqual(await p.exit, { code: 0, signal: null });
  const out = (await readFile(f.stdoutPath, 'utf8')).split('\n');
  t.is(out[0], 'pid=2', 'inside its own pid namespace');
  t.is(out[1], dir.path);
  t.true(out.includes('FOO=bar baz'));
  t.false(out.some((l) => l.startsWith('TOKEN')));
  t.regex(out.at(-2) ?? '', /No such file/, '/home is not in the sandbox');
});

test('kill reaches what the payload started inside the sandbox', async (t) => {
  const f = files('kill');
  // The full marker only exists inside the sandbox (assembled from the environment), so no
  // wrapper's command line (sh -c …, bwrap …) matches it.
  const suffix = String(process.pid);
  const marker = `espilot-container-sleep-${suffix}`;
  const p = await launcher.launch({ command: `sh -c 'while :; do sleep 0.1; done' espilot-container-sleep-$SUFFIX & echo started; wait`, cwd: dir.path, env: { PATH: '/usr/bin:/bin', SUFFIX: suffix }, ...f });
  t.teardown(() => p.kill('SIGKILL'));
  let inside: number[] = [];
  for (let i = 0; i < 250 && !inside.length; i++) {
    inside = await processesWith(marker);
    if (!inside.length) await new Promise((r) => setTimeout(r, 20));
  }
  t.is(inside.length, 1);
  p.kill('SIGTERM');
  await p.exit;
  t.true(await waitGone(inside[0]!), 'the sandboxed child is gone');
});

test('the apptainer runtime without an image is PAYLOADEXECUTIONFAILURE (1305)', async (t) => {
  const r = await makeRun({ cli: { queuedata: { container_type: 'apptainer:pilot' } } });
  t.teardown(() => r.dispose());
  const l = r.resolver.get<Launcher>(PayloadLauncher, 'container');
  const err = await t.throwsAsync(l.launch({ command: 'true', cwd: dir.path, env: {}, ...files('noimage') }), { instanceOf: PilotError });
  t.is(err!.code, ErrorCodes.PAYLOADEXECUTIONFAILURE);
  t.regex(err!.message, /no container image for apptainer.*pluginOptions\.container\.image/);
});
