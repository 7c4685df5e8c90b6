/**
 * A hostile local process against a pilot's payload channel: it finds the pilot's socket in
 * /tmp, connects with an identity the pilot never gave a range to, and sends garbage, an
 * oversized message, forged output reports and ERR_* messages for ranges the real workers
 * hold (naming a real file in the job's work directory, so a forged report that got through
 * would store the wrong bytes). Also: whether another user could connect at all.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Waits for the socket of a pilot's channel (`/tmp/zmq_EventService_EventRanges_<pid>_<random>`). */
export async function findChannelSocket(pilotPid: number, timeoutMs = 20_000): Promise<string | undefined> {
  const prefix = `zmq_EventService_EventRanges_${pilotPid}_`;
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const name = (await readdir('/tmp')).find((n) => n.startsWith(prefix));
    if (name) return join('/tmp', name);
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

export interface Abuse {
  /** Messages sent. */
  readonly sent: number;
  /** The range the peer was given when it asked for one (a confused client holding a range). */
  readonly ownRange?: string;
}

/**
 * Sends the abuse; `targets` gives real ranges of the job (asked for when the forgeries are
 * about to go out, so they can be ranges a worker holds right then), `realFile` is a file
 * inside the job's work directory. With `askForRange` the peer first asks `Ready for events`
 * like a payload worker and gets a range (so it is a peer the pilot knows); it then forges
 * reports for the other ranges only.
 */
export async function abuseChannel(socketPath: string, targets: () => Promise<readonly string[]> | readonly string[], realFile: string, o: { askForRange?: boolean } = {}): Promise<Abuse> {
  const zmq = await import('zeromq');
  const sock = new zmq.Dealer({ linger: 1000, sendTimeout: 2000, receiveTimeout: 5000 });
  sock.connect(`ipc://${socketPath}`);
  let ownRange: string | undefined;
  let sent = 0;
  try {
    if (o.askForRange) {
      await sock.send('Ready for events');
      sent++;
      const [reply] = await sock.receive();
      ownRange = /"eventRangeID":"([^"]+)"/.exec(reply?.toString() ?? '')?.[1];
    }
    for (const m of [Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x81]), 'x'.repeat(10 * 1024 * 1024), ',,,', 'No more events']) {
      await sock.send(m);
      sent++;
    }
    const rangeIds = await targets();
    const messages: string[] = [
      ...rangeIds.filter((id) => id !== ownRange).flatMap((id) => [
        `${realFile},ID:${id},CPU:1,WALL:1`,
        `ERR_ATHENAMP_PROCESS ${id}: forged by a hostile process`,
        `ERR_ATHENAMP_PARSE [{"eventRangeID": "${id}", "startEvent": 1, "lastEvent": 1}]: Wrong format`,
      ]),
    ];
    for (const m of messages) {
      await sock.send(m);
      sent++;
    }
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    sock.close();
  }
  return { sent, ...(ownRange ? { ownRange } : {}) };
}

/**
 * Tries to connect to a Unix socket as another user (`nobody`, 65534) in a separate
 * process. @returns `connected`, or the error code (EACCES when the socket's mode keeps
 * other users out), or `not root` when this process cannot act as another user.
 */
export async function connectAsNobody(socketPath: string): Promise<string> {
  if (process.getuid?.() !== 0) return 'not root';
  const script = `const s=require('net').connect(process.argv[1]);s.on('connect',()=>{console.log('connected');s.destroy()});s.on('error',(e)=>console.log(e.code||e.message));`;
  const child = spawn(process.execPath, ['-e', script, socketPath], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  await once(child, 'exit');
  return out.trim() || 'no answer';
}
