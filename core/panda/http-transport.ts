/**
 * One POST to `<base>/server/panda/<command>` over a keep-alive agent, with a connect
 * deadline and a total deadline (connect, send, wait, read the whole body). Failures come
 * out classified, so the caller decides about retries without looking at transport details.
 */
import type http from 'node:http';
import fetch from 'node-fetch';
import { createKeepAliveAgent } from './keep-alive-agent.js';
import type { PandaAuth } from './panda-auth.js';

/** What a failed exchange means for the caller. */
export type FailureKind = 'transient' | 'auth' | 'fatal';

/** A failed exchange: `problem` is a short, secret-free description. */
export class TransportError extends Error {
  constructor(readonly kind: FailureKind, readonly problem: string, options?: { cause?: unknown }) {
    super(problem, options);
    this.name = 'TransportError';
  }
}

export interface HttpReply {
  readonly status: number;
  readonly text: string;
}

export interface HttpTransportOptions {
  /** `https://host:port` (a trailing `/server/panda` is accepted too). */
  readonly baseUrl: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly auth: PandaAuth;
  readonly userAgent?: string;
}

// System errors after which the same call may well succeed (server restarting, stale keep-alive socket).
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'ENOTFOUND', 'ESPILOT_CONNECT_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_CONSTANT',
]);
// TLS verification failures: a configuration problem, not a passing fault.
const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|ERR_TLS_CERT|ERR_SSL_)/;

/** The HTTP side of the PanDA client. */
export class HttpTransport {
  private readonly agent: http.Agent;
  private readonly base: string;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: HttpTransportOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`PanDA server URL must be http(s): ${options.baseUrl}`);
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/server\/panda$/, '')}/server/panda/`;
    this.agent = createKeepAliveAgent(url.protocol, { connectTimeoutMs: options.connectTimeoutMs, tls: options.auth.tls });
  }

  /** The URL a command is posted to. */
  endpoint(command: string): string {
    return this.base + command;
  }

  /**
   * Posts a form body and reads the whole reply within the total deadline.
   * @throws TransportError: `transient` (timeouts, resets, refused, 5xx/408/429), `auth`
   *   (HTTP 401/403, TLS verification), `fatal` (other HTTP errors, client closed).
   */
  async post(command: string, body: string): Promise<HttpReply> {
    if (this.closed) throw new TransportError('fatal', 'the PanDA client is closed');
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, this.options.requestTimeoutMs);
    this.inFlight.add(controller);
    try {
      const res = await fetch(this.base + command, {
        method: 'POST',
        body,
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
          'User-Agent': this.options.userAgent ?? 'espilot',
          ...this.options.auth.headers(),
        },
        agent: this.agent,
        signal: controller.signal,
        redirect: 'error',
      });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) return { status: res.status, text };
      throw httpFailure(res.status, res.statusText, text);
    } catch (err) {
      if (err instanceof TransportError) throw err;
      if (timedOut) throw new TransportError('transient', `no complete reply within ${this.options.requestTimeoutMs} ms`, { cause: err });
      if (this.closed) throw new TransportError('fatal', 'the PanDA client was closed during the call', { cause: err });
      throw classifySystemError(err);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  /** Aborts calls in flight and closes idle connections. */
  close(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    this.agent.destroy();
  }
}

function httpFailure(status: number, statusText: string, body: string): TransportError {
  const what = `HTTP ${status}${statusText ? ` ${statusText}` : ''}${bodyHint(body)}`;
  if (status >= 500 || status === 408 || status === 429) return new TransportError('transient', what);
  if (status === 401 || status === 403) return new TransportError('auth', `${what}: the server refused the credentials`);
  return new TransportError('fatal', what);
}

function bodyHint(body: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
  const text = (title ?? body.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return text ? ` ("${text.slice(0, 80)}")` : '';
}

function classifySystemError(err: unknown): TransportError {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const message = (e.message ?? String(err)).replace(/^request to \S+ failed, reason: /, '');
  if (TLS_CODES.test(code)) return new TransportError('auth', `TLS verification failed: ${code} ${message}`, { cause: err });
  if (TRANSIENT_CODES.has(code)) return new TransportError('transient', `${code}: ${message}`, { cause: err });
  // Unknown low-level faults are treated as passing; the retry budget bounds the cost.
  return new TransportError('transient', code ? `${code}: ${message}` : message, { cause: err });
}
