/**
 * A fault-injecting HTTP proxy on loopback, placed between a client (the S3 mover) and a real
 * server (Swift). Requests pass through unchanged, Host header included, so SigV4 signatures
 * stay valid, except those a rule selects: those get a TCP reset, a closed connection, an
 * error status, a delay, a damaged body, or no answer at all. Every request is logged, so tests can count
 * retries.
 *
 *   const proxy = await startFaultProxy({ target: swift.endpoint });
 *   proxy.inject({ method: 'PUT', nth: 1, fault: { kind: 'reset' } });
 *   ... point the mover at proxy.port ...
 *   t.is(proxy.count({ method: 'PUT' }), 2);
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** TCP RST on the request's connection, before any response. */
  | { readonly kind: 'reset' }
  /** The connection is closed (FIN) without a response. */
  | { readonly kind: 'close' }
  /** An error answer, S3-style XML body: e.g. `{ kind: 'status', status: 503, code: 'SlowDown' }`. */
  | { readonly kind: 'status'; readonly status: number; readonly code?: string }
  /** The request is read but never answered; the socket stays open until the proxy stops. */
  | { readonly kind: 'hang' }
  /** Forwarded after a pause. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Forwarded with one byte of the request body flipped (same length): damage in transit. */
  | { readonly kind: 'corrupt' };

export interface FaultRule {
  readonly fault: Fault;
  /** Matches this HTTP method only (`PUT`, `GET`, `HEAD`, ...). */
  readonly method?: string;
  /** Matches paths containing this string, or matching this pattern. */
  readonly path?: string | RegExp;
  /** Only the n-th matching request (1-based), counted from when the rule was added. */
  readonly nth?: number;
  /** At most this many injections (default: once with `nth`, otherwise every match). */
  readonly times?: number;
}

export interface FaultHandle {
  /** How many requests this rule has faulted. */
  readonly hits: number;
  remove(): void;
}

export interface ProxiedRequest {
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The injected fault, if any. */
  readonly fault?: Fault['kind'];
  /** The status sent back (injected or from the server); undefined when none was sent. */
  status?: number;
  /** When the request arrived (ms since the epoch). */
  readonly startedAt: number;
  /**
   * When the whole answer had been handed to the client's connection (ms since the epoch);
   * undefined while pending, or when the connection died first. For a PUT with a 2xx status
   * the server had committed the object by then.
   */
  endedAt?: number;
}

export interface RequestFilter {
  readonly method?: string;
  readonly path?: string | RegExp;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Every request seen since start (or `resetLog()`), in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** Requests seen that match the filter. */
  count(filter?: RequestFilter): number;
  inject(rule: FaultRule): FaultHandle;
  /** Removes every rule. */
  clearFaults(): void;
  resetLog(): void;
  /** Closes the listener and every connection, hung ones included. Idempotent. */
  stop(): Promise<void>;
}

interface ActiveRule {
  readonly rule: FaultRule;
  seen: number;
  hits: number;
}

export interface FaultProxyOptions {
  /** The real server: `http://host:port`. */
  readonly target: string;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const upstream = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  let rules: ActiveRule[] = [];
  let log: ProxiedRequest[] = [];
  let seq = 0;

  // Every matching rule counts the request (so `nth` means the n-th matching request, whatever
  // other rules did to earlier ones); the first eligible rule applies.
  const pick = (req: IncomingMessage): ActiveRule | undefined => {
    const matching = rules.filter((r) => matches(req.method ?? '', req.url ?? '', r.rule));
    for (const r of matching) r.seen++;
    const hit = matching.find((r) => {
      const limit = r.rule.times ?? (r.rule.nth !== undefined ? 1 : Infinity);
      return r.hits < limit && (r.rule.nth === undefined || r.seen >= r.rule.nth);
    });
    if (hit) hit.hits++;
    return hit;
  };

  const server = createServer((req, res) => {
    const entry: ProxiedRequest = { seq: ++seq, method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, startedAt: Date.now() };
    log.push(entry);
    res.once('finish', () => { entry.endedAt = Date.now(); });
    const hit = pick(req);
    if (hit) Object.assign(entry, { fault: hit.rule.fault.kind });
    const fault = hit?.rule.fault;
    if (!fault) return forward(req, res, entry);
    switch (fault.kind) {
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'close':
        req.socket.destroy();
        return;
      case 'hang':
        req.resume();
        return;
      case 'delay':
        setTimeout(() => forward(req, res, entry), fault.ms);
        return;
      case 'corrupt':
        forward(req, res, entry, true);
        return;
      case 'status':
        req.resume();
        req.on('end', () => {
          entry.status = fault.status;
          const body = req.method === 'HEAD' ? '' : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code ?? 'ServiceUnavailable'}</Code><Message>injected by the fault proxy</Message></Error>`;
          res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
        return;
    }
  });

  const forward = (req: IncomingMessage, res: ServerResponse, entry: ProxiedRequest, corrupt = false) => {
    const up = request({ host: target.hostname, port: Number(target.port), method: req.method, path: req.url, headers: req.headers, agent: upstream }, (ures) => {
      entry.status = ures.statusCode;
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      ures.pipe(res);
    });
    up.on('error', () => req.socket.destroy());
    if (!corrupt) return void req.pipe(up);
    let flipped = false;
    req.on('data', (chunk: Buffer) => {
      if (!flipped && chunk.length > 0) {
        chunk = Buffer.from(chunk);
        chunk[chunk.length >> 1] = chunk[chunk.length >> 1]! ^ 0x01;
        flipped = true;
      }
      up.write(chunk);
    });
    req.on('end', () => up.end());
  };

  // Never time out on our side: a hung request must hang until the client gives up.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 5000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;

  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    get requests() {
      return log;
    },
    count: (filter = {}) => log.filter((r) => matches(r.method, r.path, filter)).length,
    inject(rule) {
      const active: ActiveRule = { rule, seen: 0, hits: 0 };
      rules.push(active);
      return {
        get hits() {
          return active.hits;
        },
        remove: () => { rules = rules.filter((r) => r !== active); },
      };
    },
    clearFaults: () => { rules = []; },
    resetLog: () => { log = []; },
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      upstream.destroy();
      await closed;
    },
  };
}

function matches(method: string, path: string, f: RequestFilter): boolean {
  if (f.method && f.method.toUpperCase() !== method.toUpperCase()) return false;
  if (f.path === undefined) return true;
  return typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path);
}
