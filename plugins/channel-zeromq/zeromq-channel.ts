/**
 * PayloadChannel `zeromq`: the pilot's end of a yampl channel, byte-compatible with
 * yampl's ZeroMQ backend (reference/yampl-interop.md §8): a ROUTER with mandatory routing
 * bound before the payload starts, routing ids kept as opaque bytes, received text with
 * trailing NULs stripped, replies sent as exact bytes. A local (ipc) channel admits only the
 * pilot's own process tree (peer-gate.ts) and its socket file is 0600 from the moment it is
 * reachable (bindPrivately). zeromq is imported on first use, so
 * a pilot that never runs an ES job never loads the native addon.
 */
import { inject } from '../../core/index.js';
import { isUtf8 } from 'node:buffer';
import { chmod, lstat, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Router } from 'zeromq';
import {
  ErrorCodes, FieldReader, ConfigError, LoggerToken, PLUGIN_API_VERSION, PayloadChannel, PilotError, PluginOptions, SettingsToken,
  checkChannelName, pilotPlugin, type ChannelAddress, type ConfigIssue, type Logger, type PayloadMessage, type PeerId, type PilotSettings,
} from '../../core/index.js';
import { PeerGate, ZAP_DOMAIN } from './peer-gate.js';

export interface ZeroMqChannelOptions {
  /** How long unsent messages may delay close(). */
  readonly lingerMs: number;
  /**
   * How long a send may wait for a peer whose queue is full before it counts as gone. 0 (the
   * default) fails at once: a peer with 1000 unread replies is not an AthenaMP, and with a
   * negative value libzmq would even wait for ever on a peer that does not exist.
   */
  readonly sendTimeoutMs: number;
}

type DropReason = 'no routing id' | 'oversized' | 'empty' | 'not UTF-8';

function parseOptions(raw: unknown): ZeroMqChannelOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const opts = { lingerMs: r.int('lingerMs', { min: 0, max: 60_000 }, 100), sendTimeoutMs: r.int('sendTimeoutMs', { min: 0, max: 600_000 }, 0) };
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(opts);
}

@pilotPlugin({
  provides: PayloadChannel,
  name: 'zeromq',
  aliases: ['yampl'],
  options: parseOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'yampl-compatible ZeroMQ ROUTER (ipc:///tmp/zmq_<channel> or tcp://host:port)',
})
export class ZeroMqChannel implements PayloadChannel {
  private socket: Router | undefined;
  private gate: PeerGate | undefined;
  private socketPath: string | undefined;
  private endpoint: string | undefined;
  private closing: Promise<void> | undefined;
  private reading = false;
  private sendChain: Promise<unknown> = Promise.resolve();
  private readonly maxBytes: number;
  private readonly drops = new Map<DropReason, number>();

  constructor(
    @inject(LoggerToken) private readonly log: Logger,
    @inject(SettingsToken) settings: PilotSettings,
    @inject(PluginOptions) private readonly options: ZeroMqChannelOptions,
  ) {
    this.maxBytes = settings.pilot.eventService.maxMessageBytes;
  }

  async open(address: ChannelAddress): Promise<string> {
    if (this.socket) throw new PilotError(ErrorCodes.ESMESSAGESERVER, `channel is already open at ${this.endpoint}`, { recoverable: false });
    const endpoint = bindEndpoint(address);
    let zmq: typeof import('zeromq');
    try {
      zmq = await import('zeromq');
    } catch (err) {
      throw new PilotError(ErrorCodes.ESMESSAGESERVER, `cannot load zeromq: ${(err as Error).message}`, { recoverable: false, cause: err });
    }
    const local = address.kind === 'local';
    // A context of its own: its ZAP handler (the gate) answers for this channel only.
    const context = new zmq.Context();
    const gate = local ? await PeerGate.open(zmq, context, this.log) : undefined;
    // The hard ceiling in libzmq protects memory from absurd frames; the configured limit is
    // enforced below, where the drop can be logged.
    const socket = new zmq.Router({
      context,
      mandatory: true,
      linger: this.options.lingerMs,
      sendTimeout: this.options.sendTimeoutMs,
      maxMessageSize: Math.max(this.maxBytes * 4, 64 * 1024 * 1024),
      // Enforced: without an answering gate, every connection is refused.
      ...(gate ? { zapDomain: ZAP_DOMAIN, zapEnforceDomain: true } : {}),
    });
    try {
      if (local) await bindPrivately(socket, localSocketPath(address.name));
      else await socket.bind(endpoint);
    } catch (err) {
      socket.close();
      gate?.close();
      throw new PilotError(ErrorCodes.ESMESSAGESERVER, `cannot bind the payload channel at ${endpoint}: ${(err as Error).message}`, { recoverable: false, cause: err });
    }
    this.gate = gate;
    this.socket = socket;
    this.closing = undefined;
    this.socketPath = address.kind === 'local' ? localSocketPath(address.name) : undefined;
    this.endpoint = local ? endpoint : socket.lastEndpoint ?? endpoint;
    this.log.info(`payload channel bound at ${this.endpoint}`);
    return this.endpoint;
  }

  async *messages(): AsyncIterable<PayloadMessage> {
    const socket = this.socket;
    if (!socket) throw new PilotError(ErrorCodes.ESMESSAGESERVER, 'messages() before open()', { recoverable: false });
    if (this.reading) throw new PilotError(ErrorCodes.ESMESSAGESERVER, 'messages() has one reader at a time', { recoverable: false });
    this.reading = true;
    try {
      while (!socket.closed) {
        let frames: Buffer[];
        try {
          frames = await socket.receive();
        } catch (err) {
          if (socket.closed || this.closing) return;
          this.log.error(`payload channel receive failed: ${(err as Error).message}`);
          return;
        }
        const msg = this.decode(frames);
        if (msg) yield msg;
      }
    } finally {
      this.reading = false;
    }
  }

  send(peer: PeerId, text: string): Promise<void> {
    const socket = this.socket;
    if (!socket || this.closing) return Promise.reject(new PilotError(ErrorCodes.ESMESSAGESERVER, 'send() on a closed channel', { recoverable: false }));
    if (text.includes('\0') || text.includes('\n')) {
      return Promise.reject(new PilotError(ErrorCodes.ESMESSAGESERVER, 'a reply must not contain NUL or newline (AthenaMP cuts at the first newline)', { recoverable: false }));
    }
    const frames = [peer, text]; // zeromq encodes a string as UTF-8, exactly its bytes
    let sent: Promise<void>;
    if (this.options.sendTimeoutMs === 0) {
      // Never blocks: it queues the reply or fails at once, so sends need no ordering here.
      sent = socket.send(frames);
    } else {
      // A send that may wait must be alone: a second one meanwhile fails with EBUSY.
      sent = this.sendChain.then(() => socket.send(frames));
      this.sendChain = sent.catch(() => undefined);
    }
    return sent.catch((err: NodeJS.ErrnoException) => {
      const gone = err.code === 'EHOSTUNREACH' || err.code === 'EAGAIN';
      throw new PilotError(
        gone ? ErrorCodes.ESATHENAMPDIED : ErrorCodes.ESMESSAGESERVER,
        gone ? `payload peer ${hex(peer)} is gone (${err.code})` : `send to payload peer ${hex(peer)} failed: ${err.message}`,
        { recoverable: false, cause: err },
      );
    });
  }

  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await this.sendChain;
    socket.close();
    this.gate?.close();
    this.gate = undefined;
    this.socket = undefined;
    if (this.socketPath) await removeSocketFile(this.socketPath);
    const dropped = [...this.drops].map(([k, v]) => `${v} ${k}`).join(', ');
    this.log.info(`payload channel ${this.endpoint} closed${dropped ? ` (dropped: ${dropped})` : ''}`);
  }

  private decode(frames: Buffer[]): PayloadMessage | undefined {
    const peer = frames[0];
    if (frames.length < 2 || !peer || peer.length === 0 || peer.length > 255) return this.drop('no routing id', frames.length);
    // Defensive (§8.3): with extra frames the last one is the payload.
    const body = frames[frames.length - 1]!;
    if (body.length > this.maxBytes) return this.drop('oversized', body.length, peer);
    let end = body.length;
    while (end > 0 && body[end - 1] === 0) end--;
    if (end === 0) return this.drop('empty', body.length, peer);
    const bytes = end === body.length ? body : body.subarray(0, end);
    if (!isUtf8(bytes)) return this.drop('not UTF-8', body.length, peer);
    return { peer, text: bytes.toString('utf8') };
  }

  private drop(reason: DropReason, size: number, peer?: Buffer): undefined {
    const n = (this.drops.get(reason) ?? 0) + 1;
    this.drops.set(reason, n);
    if (n <= 10 || n % 1000 === 0) {
      this.log.warn(`dropped a ${reason} message (${size} ${reason === 'no routing id' ? 'frames' : 'bytes'}${peer ? ` from peer ${hex(peer)}` : ''}; limit ${this.maxBytes} bytes; ${n} so far)`);
    }
    return undefined;
  }
}

function hex(peer: PeerId): string {
  return Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString('hex');
}

/**
 * Binds the ipc socket where no other user can reach it, then publishes it at `path`. libzmq
 * creates the socket file with the process umask (0777 under umask 000, and anyone with write
 * permission may connect), and yampl fixes the path, so the file is made in a fresh 0700
 * directory in /tmp, set to 0600 there, checked, and renamed to `path` (same filesystem, so
 * atomic): at no moment is it reachable with a wider mode. Setting the process umask around
 * the bind instead would change it for every file the process creates meanwhile, and is
 * refused in worker threads.
 */
async function bindPrivately(socket: Router, path: string): Promise<void> {
  const dir = await mkdtemp(join(sep, 'tmp', 'espilot-channel-'));
  const staged = join(dir, 's');
  try {
    await socket.bind(`ipc://${staged}`);
    await chmod(staged, 0o600);
    const st = await lstat(staged);
    if (!st.isSocket() || (st.mode & 0o177) !== 0) throw new Error(`the staged socket ${staged} has mode ${(st.mode & 0o777).toString(8)}, not 600`);
    await rename(staged, path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** libzmq removes the file lazily; remove it now so nothing connects to a dead name. */
async function removeSocketFile(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch {
    // already gone
  }
}

/**
 * `/tmp/zmq_<name>`: the socket file of yampl's LOCAL context (reference/yampl-interop.md
 * §2, §8.1). The folder is hard-coded in yampl: the root `/tmp`, no TMPDIR.
 */
export function localSocketPath(name: string): string {
  return join(sep, 'tmp', `zmq_${checkChannelName(name)}`);
}

/**
 * The ZeroMQ endpoint to bind: `ipc:///tmp/zmq_<name>` (LOCAL) or `tcp://host:port`
 * (DISTRIBUTED). Port 0 asks for a free port (`*`); the bound endpoint is
 * then read back from the socket.
 * @throws PilotError ESMESSAGESERVER (1240) for a bad name, host or port.
 */
export function bindEndpoint(address: ChannelAddress): string {
  if (address.kind === 'local') return `ipc://${localSocketPath(address.name)}`;
  if (address.kind === 'tcp') {
    const { host, port } = address;
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(host) || host.length === 0) throw bad(`tcp host ${JSON.stringify(host)} is not a host name or address`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad(`tcp port ${String(port)} is not 0-65535`);
    return `tcp://${host}:${port === 0 ? '*' : port}`;
  }
  throw bad(`channel address kind ${JSON.stringify((address as { kind: unknown }).kind)} is not "local" or "tcp"`);
}

function bad(message: string): PilotError {
  return new PilotError(ErrorCodes.ESMESSAGESERVER, message, { recoverable: false });
}
