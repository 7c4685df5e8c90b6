/**
 * A tiny HTTP server on 127.0.0.1 that answers each request with the next scripted
 * behaviour: stall (never answer), reset the connection, an HTTP status, or a raw body.
 * Used to drive the PanDA client through the faults a real network and server produce.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | { readonly kind: 'stall' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'status'; readonly status: number; readonly body?: string; readonly type?: string }
  | { readonly kind: 'reply'; readonly body: string | ((req: SeenRequest) => string); readonly type?: string };

export interface SeenRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface MisbehavingServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Behaviours for the next requests, in order; the last one repeats. */
  script(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
}

export const stall: Behaviour = { kind: 'stall' };
export const reset: Behaviour = { kind: 'reset' };
export const status = (code: number, body = '', type = 'text/html'): Behaviour => ({ kind: 'status', status: code, body, type });
export const reply = (body: string | ((req: SeenRequest) => string), type = 'text/plain'): Behaviour => ({ kind: 'reply', body, type });

export async function startMisbehavingServer(): Promise<MisbehavingServer> {
  let queue: Behaviour[] = [reply('StatusCode=0')];
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      const b = queue.length > 1 ? queue.shift()! : queue[0]!;
      if (b.kind === 'stall') return;
      if (b.kind === 'reset') return (req.socket as net.Socket).resetAndDestroy();
      const body = b.kind === 'status' ? b.body ?? '' : typeof b.body === 'function' ? b.body(seen) : b.body;
      res.writeHead(b.kind === 'status' ? b.status : 200, { 'Content-Type': b.type ?? 'text/plain' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...behaviours) => { queue = behaviours; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** A TCP server that accepts connections and never says a word (a TLS handshake that never completes). */
export async function startSilentServer(): Promise<{ readonly port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
