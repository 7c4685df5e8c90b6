/**
 * Keep-alive HTTP(S) agents with a connect deadline. Node has no connect timeout of its own
 * (curl's `--connect-timeout`), so each new socket gets a timer that destroys it unless the
 * connection, including the TLS handshake, completes in time. Reused sockets skip it.
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { TlsMaterial } from './panda-auth.js';

/** The error a socket is destroyed with when it does not connect in time. */
export class ConnectTimeoutError extends Error {
  readonly code = 'ESPILOT_CONNECT_TIMEOUT';

  constructor(readonly timeoutMs: number, target: string) {
    super(`no connection to ${target} within ${timeoutMs} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

export interface AgentOptions {
  readonly connectTimeoutMs: number;
  readonly tls: TlsMaterial;
  /** Idle keep-alive sockets are closed after this, before the server drops them (Apache: 5 s). */
  readonly idleTimeoutMs?: number;
  readonly maxSockets?: number;
}

type CreateConnection = (options: Record<string, unknown>, callback?: unknown) => Duplex | undefined;

/** An agent for `protocol` (`http:` or `https:`) that keeps connections open between calls. */
export function createKeepAliveAgent(protocol: string, options: AgentOptions): http.Agent {
  const common = {
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxSockets: options.maxSockets ?? 16,
    scheduling: 'lifo' as const,
    timeout: options.idleTimeoutMs ?? 4000,
  };
  const agent =
    protocol === 'https:'
      ? new https.Agent({
          ...common,
          ...(options.tls.cert ? { cert: options.tls.cert } : {}),
          ...(options.tls.key ? { key: options.tls.key } : {}),
          ...(options.tls.ca ? { ca: [...options.tls.ca] } : {}),
        })
      : new http.Agent(common);
  installConnectDeadline(agent, options.connectTimeoutMs, protocol === 'https:' ? 'secureConnect' : 'connect');
  return agent;
}

function installConnectDeadline(agent: http.Agent, timeoutMs: number, readyEvent: string): void {
  const holder = agent as unknown as { createConnection: CreateConnection };
  const create = holder.createConnection.bind(agent);
  holder.createConnection = (opts, callback) => {
    const socket = create(opts, callback);
    if (!socket) return socket;
    const target = `${String(opts['host'] ?? opts['hostname'] ?? 'localhost')}:${String(opts['port'] ?? '')}`;
    const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(timeoutMs, target)), timeoutMs);
    const clear = (): void => clearTimeout(timer);
    socket.once(readyEvent, clear);
    socket.once('close', clear);
    return socket;
  };
}
