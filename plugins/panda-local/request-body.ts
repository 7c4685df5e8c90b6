/**
 * Reads a request body for the embedded dispatcher with bounds before and after
 * decompression. The wire body is refused past `maxWireBytes` (from Content-Length when
 * declared, else while it arrives); a compressed body is inflated as a stream on zlib's
 * thread pool, counting the output, and the stream is destroyed at `maxBodyBytes`, so a
 * small gzip body that inflates to gigabytes costs a bounded amount of memory and never
 * blocks the event loop (no zlib sync call).
 */
import type http from 'node:http';
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';

export interface BodyLimits {
  /** Bytes on the wire (compressed or not). */
  readonly maxWireBytes: number;
  /** Bytes after decompression. */
  readonly maxBodyBytes: number;
}

export type BodyResult =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly why: string };

/**
 * The request body, decompressed per Content-Encoding (identity, gzip, deflate), within
 * `limits`. A JSON body (`Content-Type: application/json`) that starts with the gzip magic
 * is gunzipped without any Content-Encoding: pilot3 (`pilot/util/https.py`) sends exactly
 * that, and panda-server gunzips every JSON body (`server/panda.py`). `onInflate` is told
 * when decompression starts (the dispatcher logs it).
 */
export async function readRequestBody(req: http.IncomingMessage, limits: BodyLimits, onInflate?: (encoding: string, wireBytes: number) => void): Promise<BodyResult> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const inflater = makeInflater(encoding);
  if (inflater === null) return { ok: false, status: 415, why: `unsupported Content-Encoding ${JSON.stringify(encoding.slice(0, 40))}` };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxWireBytes) {
    inflater?.destroy();
    // Not read at all: the reply goes out with Connection: close.
    return { ok: false, status: 413, why: `request body of ${declared} bytes (limit ${limits.maxWireBytes})` };
  }
  const wire = await collect(req, limits.maxWireBytes);
  if (wire === undefined) {
    inflater?.destroy();
    return { ok: false, status: 413, why: `request body larger than ${limits.maxWireBytes} bytes` };
  }
  if (!inflater && isJson(req) && wire.length >= 2 && wire[0] === 0x1f && wire[1] === 0x8b) {
    onInflate?.('gzip (JSON body without Content-Encoding)', wire.length);
    return inflate(createGunzip(), wire, limits.maxBodyBytes);
  }
  if (!inflater) return wire.length > limits.maxBodyBytes ? { ok: false, status: 413, why: `request body larger than ${limits.maxBodyBytes} bytes` } : { ok: true, body: wire };
  onInflate?.(encoding, wire.length);
  return inflate(inflater, wire, limits.maxBodyBytes);
}

function isJson(req: http.IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

function makeInflater(encoding: string): Gunzip | Inflate | InflateRaw | undefined | null {
  switch (encoding) {
    case '': case 'identity': return undefined;
    case 'gzip': case 'x-gzip': return createGunzip();
    case 'deflate': return createInflate();
    case 'raw-deflate': return createInflateRaw();
    default: return null;
  }
}

/** The wire bytes, or undefined once past `max` (the rest is read and dropped, so the reply can be sent). */
function collect(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size > max ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function inflate(z: Gunzip | Inflate | InflateRaw, input: Buffer, max: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    z.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        chunks.length = 0;
        z.destroy();
        finish({ ok: false, status: 413, why: `request body inflates past ${max} bytes` });
      } else chunks.push(c);
    });
    z.on('end', () => finish({ ok: true, body: Buffer.concat(chunks) }));
    z.on('error', (err) => finish({ ok: false, status: 400, why: `undecodable compressed body (${err.message.slice(0, 80)})` }));
    z.end(input);
  });
}
