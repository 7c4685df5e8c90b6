/**
 * A loopback HTTP server that serves CRIC-shaped documents by path (the queue JSON at
 * `/cache/schedconfig/<QUEUE>.json`, the endpoints at `/cache/ddmendpoints.json`), counts the
 * requests, and can answer with a status or bad JSON, or be stopped (CRIC down).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CricServer {
  readonly url: string;
  /** Requests seen, by path. */
  readonly hits: Map<string, number>;
  /** Replace what a path answers: a document, or a status with a body. */
  serve(path: string, answer: unknown | { status: number; body: string }): void;
  stop(): Promise<void>;
}

export async function startCricServer(docs: Record<string, unknown>): Promise<CricServer> {
  const answers = new Map<string, unknown>(Object.entries(docs));
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const a = answers.get(path);
    if (a === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (typeof a === 'object' && a !== null && 'status' in a && 'body' in a) {
      const r = a as { status: number; body: string };
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(a));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    serve: (path, answer) => { answers.set(path, answer); },
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
