/**
 * A dead pilot's payload is stopped by the recovery: also when the group's leader has
 * exited and only its workers run on, and never a group working elsewhere (a reused pid).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAYLOAD_PID_FILE, groupHasLiveMembers, silentLogger, stopLeftoverPayload } from '../../../core/index.js';

/** Starts a detached group whose leader prints its worker's pid and exits, leaving the worker. */
async function orphanedWorkerGroup(cwd: string): Promise<number> {
  // The worker's pid comes on stdout, which the worker keeps open: read the line, not to the end.
  const leader = spawn('/bin/sh', ['-c', 'sleep 60 & echo $!'], { cwd, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => leader.on('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    leader.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    leader.stdout.on('end', () => reject(new Error(`the worker did not start (leader said ${JSON.stringify(out)})`)));
  });
  await exited;
  leader.stdout.destroy();
  if (!Number(line)) throw new Error(`the worker did not start (leader said ${JSON.stringify(line)})`);
  return leader.pid!;
}

test('a group whose leader is gone but whose worker runs in the job directory is killed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'espilot-leftover-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pgid = await orphanedWorkerGroup(dir);
  t.teardown(() => { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } });
  t.true(await groupHasLiveMembers(pgid), 'the worker outlived its leader');
  await writeFile(join(dir, PAYLOAD_PID_FILE), `${pgid} ${dir}\n`);
  t.is(await stopLeftoverPayload(dir, silentLogger), 1);
  for (let i = 0; i < 100 && (await groupHasLiveMembers(pgid)); i++) await new Promise((r) => setTimeout(r, 20));
  t.false(await groupHasLiveMembers(pgid));
});

test('a recorded group that works in another directory is left alone (the pid was reused)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'espilot-leftover-'));
  const elsewhere = await mkdtemp(join(tmpdir(), 'espilot-elsewhere-'));
  t.teardown(() => Promise.all([rm(dir, { recursive: true, force: true }), rm(elsewhere, { recursive: true, force: true })]));
  const pgid = await orphanedWorkerGroup(elsewhere);
  t.teardown(() => { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } });
  await writeFile(join(dir, PAYLOAD_PID_FILE), `${pgid} ${dir}\n`);
  t.is(await stopLeftoverPayload(dir, silentLogger), 0);
  t.true(await groupHasLiveMembers(pgid));
  t.regex(await readFile(join(dir, PAYLOAD_PID_FILE), 'utf8'), /^\d+ /);
});
