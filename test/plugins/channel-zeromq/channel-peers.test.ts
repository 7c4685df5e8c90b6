/**
 * Who may use the payload channel: the pilot and the processes it started. A foreign local
 * process cannot connect (so it can neither crash the pilot through libzmq nor get or
 * report ranges), whatever routing id it claims.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { lstatSync } from 'node:fs';
import { newChannelName } from '../../../core/index.js';
import { judgePeer } from '../../../plugins/channel-zeromq/peer-gate.js';
import { packageRoot } from '../../../plugins/panda-local/index.js';
import { preclaimRoutingIds } from '../../faults/hostile-peer.js';

interface HostLine { bound?: string; payloadPid?: number; peer?: string; text?: string }

/** The channel in a process of its own (started from a shell with `umask`, when given). */
function startHost(name: string, umask?: string) {
  const argv = [process.execPath, '--import=reflect-metadata', join(packageRoot(), 'dist', 'test', 'fixtures', 'channel-host.js'), name];
  const [cmd, ...args] = umask ? ['/bin/sh', '-c', `umask ${umask} && exec "$0" "$@"`, ...argv] : argv;
  const child = spawn(cmd!, args, { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: HostLine[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(JSON.parse(l) as HostLine);
    for (const w of waiters.splice(0)) w();
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  const until = async (pred: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!pred() && Date.now() < end) await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50); });
    return pred();
  };
  return { child, lines, exited, until };
}

function killHost(host: ReturnType<typeof startHost>): void {
  host.child.kill('SIGKILL');
  const pid = host.lines[0]?.payloadPid;
  if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

test('64 peers pre-claiming libzmq\'s generated routing ids, then a plain peer: the pilot survives and keeps serving its payload', async (t) => {
  const host = startHost(newChannelName());
  t.teardown(() => killHost(host));
  t.true(await host.until(() => host.lines.some((l) => l.text), 20_000), 'the payload was served before the attack');
  const endpoint = host.lines[0]!.bound!;
  const payloadPeer = host.lines.find((l) => l.text)!.peer!;
  const replies = await preclaimRoutingIds(endpoint, 64);
  const before = host.lines.length;
  const alive = await Promise.race([host.exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 1000))]);
  t.is(alive, 'alive', `the channel's process ended: ${JSON.stringify(alive)}`);
  t.true(await host.until(() => host.lines.length >= before + 5, 10_000), 'the payload is still served after the attack');
  t.is(replies, 0, 'the attackers got no answer');
  const foreign = host.lines.filter((l) => l.peer !== undefined && l.peer !== payloadPeer);
  t.deepEqual(foreign, [], 'no message of a foreign peer reached the pilot');
  host.child.kill('SIGTERM');
  t.is((await host.exited).code, 0);
});

test('under umask 000 the socket file is 0600 and owned by the pilot\'s user', async (t) => {
  const name = newChannelName();
  const host = startHost(name, '000');
  t.teardown(() => killHost(host));
  t.true(await host.until(() => host.lines.some((l) => l.text), 20_000), 'the payload was served');
  const st = lstatSync(`/tmp/zmq_${name}`);
  t.true(st.isSocket());
  t.is(st.mode & 0o777, 0o600);
  t.is(st.uid, process.getuid!());
});

test('judgePeer: the pilot and its descendants pass; strangers, and peers without credentials, do not', (t) => {
  // 10 -> 5 -> 1 (init); 20 -> 7 -> 1; 30 -> 30 (a loop)
  const parents = new Map([[10, 5], [5, 1], [20, 7], [7, 1], [30, 30]]);
  const parentOf = (pid: number) => parents.get(pid);
  t.like(judgePeer('localhost:0:0:5', 5, parentOf), { ok: true, pid: 5 });
  t.like(judgePeer('localhost:1000:1000:10', 5, parentOf), { ok: true, pid: 10 });
  const stranger = judgePeer('localhost:1000:1000:20', 5, parentOf);
  t.false(stranger.ok);
  t.regex(stranger.ok ? '' : stranger.reason, /process 20 \(uid 1000\) was not started by this pilot \(pid 5\)/);
  t.false(judgePeer('localhost:0:0:30', 5, parentOf).ok);
  t.false(judgePeer('localhost:0:0:99', 5, parentOf).ok, 'a process already gone');
  t.regex((judgePeer('', 5, parentOf) as { reason: string }).reason, /no peer credentials/);
  t.false(judgePeer('127.0.0.1', 5, parentOf).ok);
  // The real /proc: this process is its own descendant, its parent is not.
  t.true(judgePeer(`localhost:0:0:${process.pid}`, process.pid).ok);
  t.false(judgePeer(`localhost:0:0:${process.ppid}`, process.pid).ok);
});
