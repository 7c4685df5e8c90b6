/**
 * The embedded dispatcher bounds request bodies before and after decompression, and inflates
 * as a stream: a 0.5 MB gzip body that inflates to 512 MiB is refused with 413, and another
 * client's request sent after the bomb has been uploaded is answered before that refusal
 * (a synchronous inflate would hold every other client until it was done).
 */
import test from 'ava';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { SecretRegistry, createLogger } from '../../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../../plugins/panda-local/index.js';
import { gzipZeros } from '../../helpers/zip-bomb.js';

let d: DispatcherHandle;
let bomb: Buffer;
/** Called (synchronously, from the dispatcher's code) when it logs that inflation begins. */
let onInflating: (() => void) | undefined;

test.before(async () => {
  const logger = createLogger({
    secrets: new SecretRegistry(), level: 'debug',
    sink: (_r, line) => { if (line.includes('inflating a gzip body')) onInflating?.(); },
  });
  [d, bomb] = await Promise.all([startDispatcher({ logger }), gzipZeros(512)]);
});
test.after.always(async () => { await d?.stop(); });

interface Answer { readonly status: number; readonly body: string }

function post(path: string, body: Buffer | string, headers: Record<string, string | number> = {}, onSent?: () => void): Promise<Answer> {
  const url = new URL(path, d.url);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body, onSent);
  });
}

test.serial('the zip bomb is refused with 413 while other clients are answered meanwhile', async (t) => {
  t.true(bomb.length < 1024 * 1024, `the bomb is small on the wire (${bomb.length} bytes)`);
  const order: string[] = [];
  const inflating = new Promise<void>((resolve) => { onInflating = resolve; });
  const refused = post('/server/panda/getJob', bomb, { 'Content-Encoding': 'gzip' }).then((a) => { order.push('bomb'); return a; });
  // Only once the dispatcher has begun to inflate the bomb does another client ask.
  await inflating;
  order.push('inflating');
  const other = await post('/server/panda/getJob', 'siteName=OTHER&prodSourceLabel=managed');
  order.push('other');
  t.is(other.status, 200);
  const a = await refused;
  t.is(a.status, 413);
  t.regex(a.body, /inflates past 67108864 bytes/);
  t.deepEqual(order, ['inflating', 'other', 'bomb'], 'the other client was answered while the bomb was being inflated');
  t.is((await post('/server/panda/getJob', 'siteName=OTHER')).status, 200, 'the dispatcher serves on');
});

test.serial('a body declared larger than the limit is refused before it is read; a plain oversized body too', async (t) => {
  const small = await startDispatcher({ bodyLimits: { maxWireBytes: 1000, maxBodyBytes: 4000 } });
  t.teardown(() => small.stop());
  const answer = await new Promise<Answer>((resolve, reject) => {
    // Declares 100 MiB and sends only a few bytes: the answer cannot wait for the rest.
    const req = http.request(new URL('/server/panda/getJob', small.url), { method: 'POST', agent: false, headers: { 'Content-Length': 100 * 1024 * 1024 } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }); req.destroy(); });
    });
    req.on('error', reject);
    req.write('siteName=x');
  });
  t.is(answer.status, 413);
  t.regex(answer.body, /104857600 bytes \(limit 1000\)/);
  const url = small.url;
  const postTo = (body: Buffer | string, headers: Record<string, string> = {}) => new Promise<Answer>((resolve, reject) => {
    const req = http.request(new URL('/server/panda/getJob', url), { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
  t.is((await postTo('x'.repeat(2000))).status, 413, 'over the wire limit');
  t.is((await postTo(gzipSync('a'.repeat(5000)), { 'Content-Encoding': 'gzip' })).status, 413, 'inflates over the body limit');
  t.is((await postTo(gzipSync('siteName=x'), { 'Content-Encoding': 'gzip' })).status, 200, 'a small gzip body is read');
  // pilot3's shape: gzipped JSON with no Content-Encoding is inflated under the same limit.
  const json = { 'Content-Type': 'application/json' };
  t.is((await postTo(gzipSync(JSON.stringify({ siteName: 'x' })), json)).status, 200, 'gzipped JSON without Content-Encoding is read');
  t.is((await postTo(gzipSync(JSON.stringify({ siteName: 'x'.repeat(5000) })), json)).status, 413, 'and inflates over the body limit');
  t.is((await postTo('siteName=x', { 'Content-Encoding': 'br' })).status, 415);
  t.is((await postTo(Buffer.from('not gzip'), { 'Content-Encoding': 'gzip' })).status, 400);
});
