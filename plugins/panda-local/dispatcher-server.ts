/**
 * The HTTP(S) face of the embedded dispatcher: `POST /server/panda/<command>` with a form
 * (or JSON, optionally gzip-compressed, as pilot3 sends) body; replies form-encoded unless
 * the client sends `Accept: application/json` (PS-2015 vs PS-2024 behaviour), or as forced.
 * `GET /espilot/state` returns the inspection snapshot.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { decodeForm, encodeForm, isPlainObject, type FormValue, type Logger, type SecretRegistry } from '../../core/index.js';
import type { DispatcherState, Reply, StateOp } from './dispatcher-state.js';
import type { FaultInjector } from './fault-injector.js';
import { readRequestBody, type BodyLimits } from './request-body.js';
import { profileRefusal, type ServerProfile } from './server-profiles.js';
import type { StateStore } from './state-store.js';

export type ReplyEncoding = 'auto' | 'form' | 'json';

export interface DispatcherServerOptions {
  readonly state: DispatcherState;
  readonly store?: StateStore;
  readonly encoding: ReplyEncoding;
  /** When set, every request must carry `Authorization: Bearer <token>` (else StatusCode 50). */
  readonly token?: string;
  /** getKeyPair serves `<keysDir>/<keyName>`. */
  readonly keysDir?: string;
  /** Serve HTTPS; with `ca`, a client certificate signed by it is required (else StatusCode 40). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  /** Faults to produce on the next matching requests. */
  readonly faults?: FaultInjector;
  /** Served keys are registered here, for a pilot sharing the process. */
  readonly secrets?: SecretRegistry;
  readonly log: Logger;
  readonly clock: () => number;
  /** Request body bounds, on the wire and decompressed; default DEFAULT_BODY_LIMITS. */
  readonly bodyLimits?: BodyLimits;
  /** Whose parameter names to accept (server-profiles.ts); default `ps-2024`. */
  readonly profile?: ServerProfile;
}

/** 64 MiB each way: a bulk updateEventRanges of the server's 100000-range maximum fits. */
export const DEFAULT_BODY_LIMITS: BodyLimits = Object.freeze({ maxWireBytes: 64 * 1024 * 1024, maxBodyBytes: 64 * 1024 * 1024 });
const STATE_OPS = new Set<StateOp['cmd']>(['getJob', 'getEventRanges', 'updateEventRanges', 'updateEventRange', 'updateJob']);

/** Builds the server (not yet listening). */
export function createDispatcherServer(o: DispatcherServerOptions): http.Server {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(o, req, res).catch((err: unknown) => {
      o.log.error(`dispatcher: ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error');
      else res.destroy();
    });
  };
  const server = o.tls
    ? https.createServer({ cert: o.tls.cert, key: o.tls.key, ...(o.tls.ca ? { ca: o.tls.ca, requestCert: true, rejectUnauthorized: false } : {}) }, handler)
    : http.createServer(handler);
  server.keepAliveTimeout = 5000;
  return server;
}

async function handle(o: DispatcherServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dispatcher');
  const command = /^\/server\/panda\/(\w+)$/.exec(url.pathname)?.[1];
  if (req.method === 'GET' && url.pathname === '/espilot/state') {
    const refusal = authRefusal(o, req);
    if (refusal) return send(res, 403, 'text/plain', refusal.errorDialog as string);
    return send(res, 200, 'application/json', JSON.stringify(o.state.snapshot(o.clock())));
  }
  if (!command || (req.method !== 'POST' && req.method !== 'GET')) return send(res, 404, 'text/plain', `no such endpoint: ${req.method} ${url.pathname}`);
  const limits = o.bodyLimits ?? DEFAULT_BODY_LIMITS;
  const read = await readRequestBody(req, limits, (encoding, n) => o.log.debug(`${command}: inflating a ${encoding} body of ${n} bytes (at most ${limits.maxBodyBytes})`));
  if (!read.ok) {
    o.log.warn(`${command}: refused with ${read.status}: ${read.why}`);
    res.setHeader('Connection', 'close');
    return send(res, read.status, 'text/plain', read.why);
  }
  const params = parseParams(req, read.body, url.searchParams);
  if (!params) return send(res, 500, 'text/plain', `${command}: unreadable request body`);
  // What the pilot describes itself with (getJob carries no secret): for sites checking a pilot's command line.
  if (command === 'getJob') o.log.debug(`getJob ${Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
  const refused = profileRefusal(o.profile ?? 'ps-2024', command, params);
  if (refused) {
    o.log.warn(`${command}: answered ${refused.status}: ${refused.body}`);
    return send(res, refused.status, 'text/plain', refused.body);
  }
  const refusal = authRefusal(o, req);
  const taken = refusal ? undefined : o.faults?.takeFault(command, o.clock());
  const fault = taken?.kind;
  if (fault === 'stall') return;
  if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, taken?.delayMs ?? 30_000));
  if (fault === 'reset') return void (req.socket as Socket).resetAndDestroy();
  if (fault === 'http-503') return send(res, 503, 'text/html', '<html><head><title>503 Service Unavailable</title></head><body>injected fault</body></html>');
  const reply = fault === 'status-10' ? { StatusCode: 10, errorDialog: 'injected fault: try again later' } : refusal ?? (await dispatch(o, command, params));
  if (!reply) return send(res, 404, 'text/plain', `unknown command ${command}`);
  if (fault === 'drop-reply') return void (req.socket as Socket).resetAndDestroy();
  if (fault === 'http-500-echo') return send(res, 500, 'application/json', JSON.stringify(reply));
  const out: Record<string, FormValue> = fault === 'no-status' ? withoutStatus(reply) : fault === 'status-word' ? { ...reply, StatusCode: 'zero' } : reply;
  const json = o.encoding === 'json' || (o.encoding === 'auto' && (req.headers.accept ?? '').includes('application/json'));
  if (json) send(res, 200, 'application/json', JSON.stringify(out));
  else send(res, 200, 'text/plain; charset=utf-8', encodeForm(out));
}

function withoutStatus(reply: Reply): Record<string, FormValue> {
  const { StatusCode: _dropped, ...rest } = reply;
  return rest;
}

async function dispatch(o: DispatcherServerOptions, command: string, params: Record<string, unknown>): Promise<Reply | undefined> {
  if (command === 'getKeyPair') return keyPair(o, params);
  if (!STATE_OPS.has(command as StateOp['cmd'])) return undefined;
  const op: StateOp = { cmd: command as StateOp['cmd'], params };
  const now = o.clock();
  const reply = o.state.apply(op, now);
  // Only a getJob that found nothing leaves no trace; everything else is journalled before replying.
  if (!(command === 'getJob' && reply.StatusCode === 20)) o.store?.record(op, now);
  return reply;
}

function authRefusal(o: DispatcherServerOptions, req: http.IncomingMessage): Reply | undefined {
  if (o.tls?.ca && !(req.socket as { authorized?: boolean }).authorized) {
    return { StatusCode: 40, errorDialog: 'no valid client certificate' };
  }
  if (o.token !== undefined) {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
    const want = Buffer.from(o.token);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return { StatusCode: 50, errorDialog: 'invalid or missing bearer token' };
  }
  return undefined;
}

async function keyPair(o: DispatcherServerOptions, params: Record<string, unknown>): Promise<Reply> {
  const names = [String(params['publicKeyName'] ?? '').trim(), String(params['privateKeyName'] ?? '').trim()];
  if (!o.keysDir) return { StatusCode: 80, errorDialog: 'this dispatcher has no key directory' };
  const keys: string[] = [];
  for (const name of names) {
    if (!/^[\w@+-][\w.@+-]*$/.test(name)) return { StatusCode: 80, errorDialog: `bad key name "${name.slice(0, 60)}"` };
    try {
      keys.push((await readFile(join(o.keysDir, name), 'utf8')).trim());
    } catch {
      return { StatusCode: 80, errorDialog: `key ${name} not found` };
    }
  }
  for (const k of keys) o.secrets?.register(k);
  return { StatusCode: 0, publicKey: keys[0]!, privateKey: keys[1]! };
}

/**
 * The body is already decompressed (request-body.ts). JSON `true`/`false` become `True` /
 * `False`, as panda-server patches them before calling the command.
 */
function parseParams(req: http.IncomingMessage, body: Buffer, query: URLSearchParams): Record<string, unknown> | undefined {
  const params: Record<string, unknown> = Object.fromEntries(query);
  try {
    const text = body.toString('utf8');
    if ((req.headers['content-type'] ?? '').includes('application/json')) {
      const doc: unknown = text.trim() ? JSON.parse(text) : {};
      if (!isPlainObject(doc)) return undefined;
      for (const [k, v] of Object.entries(doc)) params[k] = v === true ? 'True' : v === false ? 'False' : v;
      return params;
    }
    return Object.assign(params, decodeForm(text));
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
