/**
 * One POST to `<base>/server/panda/<command>` over a keep-alive agent, with a connect
 * deadline and a total deadline (connect, send, wait, read the whole body). Failures come
 * out classified, so the caller decides about retries without looking at transport details.
 *
 * Built on node:http(s) directly rather than node-fetch: a control-plane call is one small
 * buffered body each way, and fetch's stream and Request/Response machinery cost about a
 * third of the call rate (benchmark B2), for nothing this client uses.
 */
import http from 'node:http';
import https from 'node:https';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { createKeepAliveAgent } from './keep-alive-agent.js';
import type { PandaAuth } from './panda-auth.js';
import { replyExcerpt } from './reply-secrets.js';

/** What a failed exchange means for the caller. */
export type FailureKind = 'transient' | 'auth' | 'fatal';

/**
 * A failed exchange: `problem` is a short description with credential fields masked;
 * `body` is the raw reply of an HTTP error, for the caller to register its secrets.
 */
export class TransportError extends Error {
  constructor(readonly kind: FailureKind, readonly problem: string, options?: { cause?: unknown; body?: string }) {
    super(problem, options);
    this.name = 'TransportError';
    if (options?.body !== undefined) Object.defineProperty(this, 'body', { value: options.body, enumerable: false });
  }

  /** The raw body of an HTTP error reply (not enumerable: never serialised with the error). */
  declare readonly body?: string;
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

const MAX_REPLY = 64 * 1024 * 1024;
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
  private readonly send: typeof http.request;
  private readonly target: { protocol: string; hostname: string; port: string; basePath: string };
  private readonly baseHeaders: Readonly<Record<string, string>>;
  private readonly inFlight = new Set<http.ClientRequest>();
  private closed = false;

  constructor(private readonly options: HttpTransportOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`PanDA server URL must be http(s): ${options.baseUrl}`);
    const basePath = `${url.pathname.replace(/\/+$/, '').replace(/\/server\/panda$/, '')}/server/panda/`;
    this.target = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, basePath };
    this.send = url.protocol === 'https:' ? https.request : http.request;
    this.agent = createKeepAliveAgent(url.protocol, { connectTimeoutMs: options.connectTimeoutMs, tls: options.auth.tls });
    this.baseHeaders = Object.freeze({
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      'Accept-Encoding': 'gzip, deflate',
      'User-Agent': options.userAgent ?? 'espilot',
    });
  }

  /** The URL a command is posted to. */
  endpoint(command: string): string {
    return `${this.target.protocol}//${this.target.hostname}${this.target.port ? `:${this.target.port}` : ''}${this.target.basePath}${command}`;
  }

  /**
   * Posts a form body and reads the whole reply within the total deadline.
   * @throws TransportError: `transient` (timeouts, resets, refused, 5xx/408/429), `auth`
   *   (HTTP 401/403, TLS verification), `fatal` (other HTTP errors, client closed).
   */
  post(command: string, body: string): Promise<HttpReply> {
    if (this.closed) return Promise.reject(new TransportError('fatal', 'the PanDA client is closed'));
    const payload = Buffer.from(body, 'utf8');
    return new Promise<HttpReply>((resolve, reject) => {
      let settled = false;
      const settle = (err: TransportError | undefined, reply?: HttpReply): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(req);
        if (err) reject(err);
        else resolve(reply!);
      };
      const req = this.send({
        protocol: this.target.protocol, hostname: this.target.hostname, port: this.target.port,
        path: this.target.basePath + command, method: 'POST', agent: this.agent,
        headers: { ...this.baseHeaders, ...this.options.auth.headers(), 'Content-Length': payload.length },
      }, (res) => {
        const status = res.statusCode ?? 0;
        const fail = (err: TransportError): void => {
          settle(err);
          req.destroy();
        };
        readBody(res, res.headers['content-encoding'], {
          tooLarge: (what) => fail(new TransportError('fatal', `a reply larger than ${MAX_REPLY} bytes ${what}`)),
          undecodable: (why) => fail(new TransportError('fatal', `undecodable reply (${why})`)),
          error: (err) => settle(classify(err, this.closed)),
          done: (text) => settle(status >= 200 && status < 300 ? undefined : httpFailure(status, res.statusMessage ?? '', text), { status, text }),
        });
      });
      const timer = setTimeout(() => {
        settle(new TransportError('transient', `no complete reply within ${this.options.requestTimeoutMs} ms`));
        req.destroy();
      }, this.options.requestTimeoutMs);
      req.on('error', (err) => settle(classify(err, this.closed)));
      this.inFlight.add(req);
      req.end(payload);
    });
  }

  /** Aborts calls in flight and closes idle connections. */
  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy(new TransportError('fatal', 'the PanDA client was closed during the call'));
    this.agent.destroy();
  }
}

interface BodySink {
  tooLarge(what: string): void;
  undecodable(why: string): void;
  error(err: unknown): void;
  done(text: string): void;
}

/**
 * Reads a reply body, decompressing per Content-Encoding as a stream (zlib's thread pool,
 * never a sync call), with MAX_REPLY bytes both on the wire and decompressed: a small
 * compressed reply that inflates to gigabytes is cut off at the cap.
 */
function readBody(res: http.IncomingMessage, encoding: string | undefined, sink: BodySink): void {
  const kind = (encoding ?? '').trim().toLowerCase();
  if (!['', 'identity', 'gzip', 'x-gzip', 'deflate', 'br'].includes(kind)) {
    res.resume();
    return sink.undecodable(`unknown Content-Encoding ${JSON.stringify(kind.slice(0, 40))}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let stopped = false;
  const take = (c: Buffer): void => {
    if (stopped) return;
    size += c.length;
    if (size <= MAX_REPLY) return void chunks.push(c);
    stopped = true;
    chunks.length = 0;
    decoder?.destroy();
    sink.tooLarge(decoder ? 'once decompressed' : 'on the wire');
  };
  const finish = (): void => {
    if (!stopped) sink.done((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
  };
  let decoder: Transform | undefined;
  let wire = 0;
  const startDecoder = (first: Buffer): Transform => {
    // Some servers send raw deflate as `deflate` (curl and browsers accept both).
    const d = kind === 'br' ? createBrotliDecompress() : kind === 'deflate' ? ((first[0]! & 0x0f) === 0x08 ? createInflate() : createInflateRaw()) : createGunzip();
    d.on('data', take);
    d.on('end', finish);
    d.on('error', (err) => {
      if (!stopped) {
        stopped = true;
        sink.undecodable(err.message.slice(0, 120));
      }
    });
    return d;
  };
  const plain = kind === '' || kind === 'identity';
  res.on('data', (c: Buffer) => {
    if (stopped) return;
    wire += c.length;
    if (wire > MAX_REPLY) {
      stopped = true;
      decoder?.destroy();
      return sink.tooLarge('on the wire');
    }
    if (plain) return take(c);
    decoder ??= startDecoder(c);
    decoder.write(c);
  });
  res.on('error', (err) => sink.error(err));
  res.on('end', () => {
    if (stopped) return;
    if (plain) return finish();
    if (!decoder) return finish(); // an empty compressed body
    decoder.end();
  });
}

function httpFailure(status: number, statusText: string, body: string): TransportError {
  const what = `HTTP ${status}${statusText ? ` ${replyExcerpt(statusText, undefined, 40).slice(1, -1)}` : ''}${bodyHint(body)}`;
  if (status >= 500 || status === 408 || status === 429) return new TransportError('transient', what, { body });
  if (status === 401 || status === 403) return new TransportError('auth', `${what}: the server refused the credentials`, { body });
  return new TransportError('fatal', what, { body });
}

/** The page title or text, masked and bounded (the caller masks registered secrets too). */
function bodyHint(body: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
  const text = (title ?? body.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return text ? ` (${replyExcerpt(text, undefined)})` : '';
}

function classify(err: unknown, closed: boolean): TransportError {
  if (err instanceof TransportError) return err;
  if (closed) return new TransportError('fatal', 'the PanDA client was closed during the call', { cause: err });
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const message = e.message ?? String(err);
  if (TLS_CODES.test(code)) return new TransportError('auth', `TLS verification failed: ${code} ${message}`, { cause: err });
  if (TRANSIENT_CODES.has(code)) return new TransportError('transient', `${code}: ${message}`, { cause: err });
  // Unknown low-level faults are treated as passing; the retry budget bounds the cost.
  return new TransportError('transient', code ? `${code}: ${message}` : message, { cause: err });
}
