/**
 * Who may connect to the payload channel's ipc socket: the pilot and the processes it started
 * (its descendants: the payload, AthenaMP's workers, a container runtime in between). Every
 * other local process is refused during the ZeroMQ handshake, before libzmq registers its
 * routing id, so a foreign peer can neither take a routing id (libzmq asserts when the id it
 * generates for the next plain peer is already taken: the pre-claim attack) nor ask for,
 * fail or finish a range.
 *
 * How: a ZAP handler (ZeroMQ RFC 27) in the channel's own ZeroMQ context. For an ipc
 * connection libzmq puts the peer's kernel credentials (SO_PEERCRED) in the ZAP request's
 * address as `…:<uid>:<gid>:<pid>`; the pid's ancestry is read from /proc. yampl sets no
 * security mechanism (NULL) and does not need to know: a refused peer only sees its
 * connection closed. Limits: a process the payload started may connect (it is the payload's
 * code, same trust); a peer that cannot be identified (no credentials, a process already
 * gone) is refused; TCP peers carry no credentials, so TCP channels are not gated.
 */
import { readFileSync } from 'node:fs';
import type { Context, Router } from 'zeromq';
import type { Logger } from '../../core/index.js';

/** The ZAP domain set on the channel's socket; with `zapEnforceDomain` a missing handler refuses everyone. */
export const ZAP_DOMAIN = 'espilot-payload-channel';
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
/** Deeper process trees than this are not followed (a loop guard; real trees are a few levels). */
const MAX_DEPTH = 64;

export type PeerVerdict = { readonly ok: true; readonly pid: number } | { readonly ok: false; readonly reason: string };

/**
 * Decides on one ZAP address. `ancestor` is the pilot's pid; `parentOf` reads a pid's parent
 * (undefined when the process is gone).
 */
export function judgePeer(address: string, ancestor: number, parentOf: (pid: number) => number | undefined = procParent): PeerVerdict {
  const m = /:(\d+):(\d+):(\d+)$/.exec(address);
  if (!m) return { ok: false, reason: `no peer credentials in ${JSON.stringify(address.slice(0, 80))}` };
  const pid = Number(m[3]);
  let p: number | undefined = pid;
  for (let depth = 0; p !== undefined && p > 1 && depth < MAX_DEPTH; depth++) {
    if (p === ancestor) return { ok: true, pid };
    p = parentOf(p);
  }
  return { ok: false, reason: `process ${pid} (uid ${m[1]}) was not started by this pilot (pid ${ancestor})` };
}

/** The parent pid from /proc/<pid>/stat (the field after the command, which may hold spaces and parentheses). */
function procParent(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The ZAP handler of one channel's context; answers until closed. */
export class PeerGate {
  private refused = 0;

  private constructor(private readonly socket: Router, private readonly log: Logger) {}

  /** Binds the handler in `context`; it must exist before the channel's socket accepts anyone. */
  static async open(zmq: typeof import('zeromq'), context: Context, log: Logger): Promise<PeerGate> {
    const socket = new zmq.Router({ context, linger: 0 });
    await socket.bind(ZAP_ENDPOINT);
    const gate = new PeerGate(socket, log);
    void gate.serve();
    return gate;
  }

  close(): void {
    this.socket.close();
    if (this.refused) this.log.info(`payload channel refused ${this.refused} connection(s) from processes the pilot did not start`);
  }

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        // [zap pipe id, empty, version, request id, domain, address, identity, mechanism, ...credentials]
        const [pipe, empty, version, requestId, , address] = frames;
        if (!pipe || !empty || !requestId || version?.toString() !== '1.0') continue;
        const v = judgePeer(address?.toString('latin1') ?? '', process.pid);
        if (!v.ok && (++this.refused <= 10 || this.refused % 1000 === 0)) this.log.warn(`payload channel refused a connection: ${v.reason} (${this.refused} so far)`);
        // A handshake whose peer left meanwhile has no one to answer; the gate goes on.
        await this.socket.send([pipe, empty, '1.0', requestId, v.ok ? '200' : '400', v.ok ? 'OK' : 'not a process of this pilot', '', '']).catch(() => undefined);
      }
    } catch (err) {
      if (!this.socket.closed) this.log.error(`payload channel gate stopped: ${(err as Error).message}; new connections are refused`);
    }
  }
}
