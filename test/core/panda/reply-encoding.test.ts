/**
 * Compressed replies: gzip, zlib and raw deflate, brotli are read; a reply that inflates past
 * the client's cap (a zip bomb from the server) is refused, not inflated; an unknown encoding
 * is a clear error. A real HTTP server on loopback sets the Content-Encoding.
 */
import test from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { ErrorCodes, PILOT_DEFAULTS, PandaClient, PilotError, SecretRegistry } from '../../../core/index.js';
import { gzipZeros } from '../../helpers/zip-bomb.js';

let next: { encoding: string; body: Buffer } = { encoding: '', body: Buffer.from('StatusCode=20') };
let url = '';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/plain', ...(next.encoding ? { 'Content-Encoding': next.encoding } : {}) });
    res.end(next.body);
  });
});
test.before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after.always(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));

const client = () => new PandaClient({ server: { ...PILOT_DEFAULTS.server, auth: 'none', url, retries: 0, requestTimeoutMs: 20_000 }, secrets: new SecretRegistry(), env: {} });

test.serial('gzip, deflate (zlib and raw) and br replies are decoded', async (t) => {
  const text = 'StatusCode=20&errorDialog=no+jobs';
  for (const [encoding, body] of [['gzip', gzipSync(text)], ['deflate', deflateSync(text)], ['deflate', deflateRawSync(text)], ['br', brotliCompressSync(text)], ['identity', Buffer.from(text)]] as const) {
    next = { encoding, body };
    const c = client();
    t.is(await c.getJob({ siteName: 'X' }), undefined, `${encoding}: StatusCode 20 read`);
    c.close();
  }
});

test.serial('a reply that inflates past 64 MiB is cut off at the cap; an unknown encoding is refused', async (t) => {
  next = { encoding: 'gzip', body: await gzipZeros(80) };
  const c = client();
  t.teardown(() => c.close());
  const err = await t.throwsAsync(c.getJob({ siteName: 'X' }), { instanceOf: PilotError });
  t.is(err.code, ErrorCodes.COMMUNICATIONFAILURE);
  t.false(err.recoverable);
  t.regex(err.message, /a reply larger than 67108864 bytes once decompressed/);
  next = { encoding: 'compress', body: Buffer.from('x') };
  await t.throwsAsync(c.getJob({ siteName: 'X' }), { instanceOf: PilotError, message: /undecodable reply \(unknown Content-Encoding "compress"\)/ });
  next = { encoding: 'gzip', body: Buffer.from('not gzip at all') };
  await t.throwsAsync(c.getJob({ siteName: 'X' }), { instanceOf: PilotError, message: /undecodable reply/ });
});
