/**
 * The S3 mover against a real Swift behind the fault proxy: wrong keys, a server that is
 * down, connection resets, 503s and requests that never answer. Every failure must come
 * with bounded retries, a clear pilot code and nothing half-stored.
 */
import test from 'ava';
import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PilotError, SiteMover, silentLogger, transferWithFallback, type SiteMover as Mover } from '../../../core/index.js';
import { parseS3Url } from '../../../plugins/mover-s3-objectstore/index.js';
import { startFaultProxy } from '../../helpers/fault-proxy.js';
import { makeRun } from '../../helpers/make-run.js';
import { rawS3Client, readS3 } from '../../helpers/s3-raw.js';
import { closedPort } from '../../helpers/service-process.js';
import { scaled } from '../../helpers/slowdown.js';
import { startSwift, type SwiftServer } from '../../helpers/swift-server.js';
import { tempDir } from '../../helpers/temp-dir.js';

let swift: SwiftServer;
let raw: S3Client;
let dir: { path: string; remove(): Promise<void> };

test.before(async () => {
  swift = await startSwift();
  raw = rawS3Client(swift);
  dir = await tempDir();
  await writeFile(join(dir.path, 'src'), randomBytes(64 * 1024));
});
test.after.always(async () => {
  raw?.destroy();
  await dir?.remove();
  await swift?.stop();
});

/** A proxy of its own per test: rules and request counts never mix between tests. */
async function proxied(t: { teardown(fn: () => Promise<void>): void }, options: Record<string, unknown> = {}) {
  const proxy = await startFaultProxy({ target: swift.endpoint });
  const run = await makeRun({
    cli: { pilot: { pluginOptions: { 's3-objectstore': { credentials: { accessKey: swift.accessKey, secretKey: swift.secretKey }, ...options } } } },
  });
  t.teardown(async () => { await run.dispose(); await proxy.stop(); });
  const mover = run.resolver.get<Mover>(SiteMover, 's3');
  const b = `f${randomBytes(4).toString('hex')}`;
  return { proxy, run, mover, url: (key: string) => `s3://127.0.0.1:${proxy.port}/${b}/${key}`, direct: (key: string) => swift.s3Url(b, key) };
}

const policy = { attempts: 3, backoffBaseMs: 10, backoffMaxMs: 50 };

async function stored(url: string): Promise<boolean> {
  return readS3(raw, url).then(() => true, () => false);
}

test('a wrong secret: authentication codes, not recoverable, one request each (no retry storm)', async (t) => {
  const { proxy, mover, url } = await proxied(t, { credentials: { accessKey: swift.accessKey, secretKey: 'not-the-secret' } });
  const out = await t.throwsAsync(transferWithFallback('out', [{ name: 's3', mover }], { localPath: join(dir.path, 'src'), url: url('a.1') }, policy, silentLogger), { instanceOf: PilotError });
  t.is(out?.code, 1383);
  t.false(out?.recoverable);
  t.regex(out!.message, /SignatureDoesNotMatch|HTTP 403/);
  t.is(proxy.count(), 1, JSON.stringify(proxy.requests));
  proxy.resetLog();
  const back = join(dir.path, 'auth-in');
  const inn = await t.throwsAsync(transferWithFallback('in', [{ name: 's3', mover }], { localPath: back, url: url('a.1') }, policy, silentLogger), { instanceOf: PilotError });
  t.is(inn?.code, 1338);
  t.is(proxy.count(), 1);
  t.false(existsSync(back));
});

test('the server is down: a recoverable failure within the deadline, bounded attempts', async (t) => {
  const run = await makeRun({ cli: { pilot: { pluginOptions: { 's3-objectstore': { credentials: { accessKey: 'a:b', secretKey: 'cdef' }, connectTimeoutMs: 1000, maxAttempts: 3 } } } } });
  t.teardown(() => run.dispose());
  const port = await closedPort();
  const started = Date.now();
  const e = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 's3').stageOut({ localPath: join(dir.path, 'src'), url: `s3://127.0.0.1:${port}/b/k`, timeoutMs: 20_000 }), { instanceOf: PilotError });
  t.true(Date.now() - started < 20_000, 'failed before the deadline');
  t.is(e?.code, 1137);
  t.true(e?.recoverable);
  t.regex(e!.message, /ECONNREFUSED/);
});

test('a connection reset on the first PUT: the SDK retries and the upload succeeds', async (t) => {
  const { proxy, mover, url, direct } = await proxied(t);
  await mover.stageOut({ localPath: join(dir.path, 'src'), url: url('warm') });
  const rule = proxy.inject({ method: 'PUT', nth: 1, fault: { kind: 'reset' } });
  proxy.resetLog();
  const put = await mover.stageOut({ localPath: join(dir.path, 'src'), url: url('r.1') });
  t.is(rule.hits, 1);
  t.is(proxy.count({ method: 'PUT' }), 2);
  t.true((await readS3(raw, direct('r.1'))).body.equals(await readFile(join(dir.path, 'src'))));
  t.is(put.size, 64 * 1024);
});

test('503 on every PUT: maxAttempts requests, then a clear recoverable 1137; nothing stored', async (t) => {
  const { proxy, mover, url, direct } = await proxied(t, { maxAttempts: 3 });
  await mover.stageOut({ localPath: join(dir.path, 'src'), url: url('warm') });
  proxy.inject({ method: 'PUT', fault: { kind: 'status', status: 503, code: 'ServiceUnavailable' } });
  proxy.resetLog();
  const e = await t.throwsAsync(mover.stageOut({ localPath: join(dir.path, 'src'), url: url('u.1') }), { instanceOf: PilotError });
  t.is(e?.code, 1137);
  t.true(e?.recoverable);
  t.regex(e!.message, /ServiceUnavailable.*HTTP 503.*after 3 attempts/);
  t.is(proxy.count({ method: 'PUT' }), 3);
  t.false(await stored(direct('u.1')));
});

test('a PUT that never answers: the request timeout really aborts, bounded retries, PUTTIMEOUT', async (t) => {
  const { proxy, mover, url, direct } = await proxied(t, { requestTimeoutMs: scaled(1000), maxAttempts: 2 });
  await mover.stageOut({ localPath: join(dir.path, 'src'), url: url('warm') });
  proxy.inject({ method: 'PUT', fault: { kind: 'hang' } });
  proxy.resetLog();
  const e = await t.throwsAsync(mover.stageOut({ localPath: join(dir.path, 'src'), url: url('h.1'), timeoutMs: 30_000 }), { instanceOf: PilotError });
  t.is(e?.code, 1152);
  t.true(e?.recoverable);
  t.is(proxy.count({ method: 'PUT' }), 2);
  t.false(await stored(direct('h.1')));
});

test('the overall deadline ends a transfer the SDK would still wait for', async (t) => {
  const { proxy, mover, url } = await proxied(t, { requestTimeoutMs: 60_000 });
  proxy.inject({ method: 'GET', fault: { kind: 'hang' } });
  await mover.stageOut({ localPath: join(dir.path, 'src'), url: url('d.1') });
  const back = join(dir.path, 'deadline-in');
  const started = Date.now();
  const e = await t.throwsAsync(mover.stageIn({ localPath: back, url: url('d.1'), timeoutMs: 800 }), { instanceOf: PilotError });
  t.true(Date.now() - started < 30_000);
  t.is(e?.code, 1151);
  t.regex(e!.message, /deadline exceeded/);
  t.false(existsSync(back));
});

test('resets and 503s on stage-in: retried within the budget; a persistent 503 fails cleanly with no local file', async (t) => {
  const { proxy, mover, url } = await proxied(t, { maxAttempts: 3 });
  await mover.stageOut({ localPath: join(dir.path, 'src'), url: url('g.1') });
  proxy.inject({ method: 'GET', nth: 1, fault: { kind: 'reset' } });
  proxy.inject({ method: 'GET', nth: 2, fault: { kind: 'status', status: 503, code: 'SlowDown' } });
  proxy.resetLog();
  const ok = await mover.stageIn({ localPath: join(dir.path, 'g-in'), url: url('g.1') });
  t.is(ok.size, 64 * 1024);
  t.is(proxy.count({ method: 'GET' }), 3);
  proxy.clearFaults();
  proxy.inject({ method: 'GET', fault: { kind: 'status', status: 503 } });
  proxy.resetLog();
  const back = join(dir.path, 'g-in-2');
  const e = await t.throwsAsync(transferWithFallback('in', [{ name: 's3', mover }], { localPath: back, url: url('g.1') }, { ...policy, attempts: 2 }, silentLogger), { instanceOf: PilotError });
  t.is(e?.code, 1099);
  t.true(e?.recoverable);
  t.is(proxy.count({ method: 'GET' }), 6, 'two mover attempts × three SDK attempts, and no more');
  t.false(existsSync(back));
});

for (const verifyUpload of ['signed-payload', 'content-md5', 'head'] as const) {
  test(`a body damaged in transit is refused by the store (verifyUpload ${verifyUpload}); the retry stores the right bytes`, async (t) => {
    const { proxy, mover, url, direct } = await proxied(t, { verifyUpload });
    await mover.stageOut({ localPath: join(dir.path, 'src'), url: url('warm') });
    proxy.inject({ method: 'PUT', nth: 1, fault: { kind: 'corrupt' } });
    proxy.resetLog();
    const once = await t.throwsAsync(mover.stageOut({ localPath: join(dir.path, 'src'), url: url('x.1') }), { instanceOf: PilotError });
    t.is(once?.code, 1141);
    t.true(once?.recoverable, 'damage in transit is worth another try');
    t.false(await stored(direct('x.1')), 'nothing stored under the name');
    const put = proxy.requests.find((r) => r.method === 'PUT')!;
    t.regex(String(put.headers['x-amz-content-sha256']), /^[0-9a-f]{64}$/, 'the payload hash is signed');
    t.is(put.headers['content-md5'] !== undefined, verifyUpload === 'content-md5');
    proxy.inject({ method: 'PUT', nth: 1, fault: { kind: 'corrupt' } });
    const outcome = await transferWithFallback('out', [{ name: 's3', mover }], { localPath: join(dir.path, 'src'), url: url('x.2') }, policy, silentLogger);
    t.is(outcome.attempts, 2);
    t.true((await readS3(raw, direct('x.2'))).body.equals(await readFile(join(dir.path, 'src'))));
    t.is(proxy.count({ method: 'HEAD' }) > 0, verifyUpload === 'head', 'a HEAD only where configured');
  });
}

test('the proxy really injects: a rule for another method leaves traffic alone (control)', async (t) => {
  const { proxy, mover, url } = await proxied(t);
  const rule = proxy.inject({ method: 'DELETE', fault: { kind: 'reset' } });
  await mover.stageOut({ localPath: join(dir.path, 'src'), url: url('c.1') });
  t.is(rule.hits, 0);
  t.true(proxy.count({ method: 'PUT' }) >= 1);
  await t.throwsAsync(mover.delete(url('c.1')).then(() => { throw new Error('delete went through'); }), { instanceOf: PilotError });
  t.true(rule.hits >= 1);
});

test('a multipart upload a killed pilot left open is aborted when the same object is stored again', async (t) => {
  const MiB = 1024 * 1024;
  const { mover, url } = await proxied(t, { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
  const { CreateBucketCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand } = await import('@aws-sdk/client-s3');
  const { bucket, key } = parseS3Url(url('HITS.1._000001.pool.root.1.1-2-1-7-3'));
  // What the dead pilot left: an upload of the key with one part, never completed.
  await raw.send(new CreateBucketCommand({ Bucket: bucket }));
  const started = await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  await raw.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: started.UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
  const other = await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${key}.other` }));
  t.is((await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length, 2);

  const data = randomBytes(6 * MiB + 3);
  await writeFile(join(dir.path, 'big'), data);
  await mover.stageOut({ localPath: join(dir.path, 'big'), url: url(key) });
  const left = (await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  t.deepEqual(left.map((u) => [u.Key, u.UploadId]), [[`${key}.other`, other.UploadId]], 'only the dead upload of this key is aborted');
  t.true((await readS3(raw, swift.s3Url(bucket, key))).body.equals(data));
});

test('a multipart attempt whose Complete and Abort both failed leaves no open upload once a later attempt stored the object, even when the listing before it failed', async (t) => {
  const MiB = 1024 * 1024;
  const requestTimeoutMs = scaled(1500);
  const { proxy, mover, url } = await proxied(t, { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, maxAttempts: 2, requestTimeoutMs });
  const { ListMultipartUploadsCommand } = await import('@aws-sdk/client-s3');
  const { bucket, key } = parseS3Url(url('HITS.1._000001.pool.root.1.1-2-1-8-3'));
  const data = randomBytes(6 * MiB + 5);
  await writeFile(join(dir.path, 'big2'), data);
  // Attempt 1: every Complete (POST ?uploadId) and every Abort (DELETE ?uploadId) fails, as on a
  // store too busy to answer: the upload stays open behind the failed attempt.
  proxy.inject({ method: 'POST', path: /[?&]uploadId=/, fault: { kind: 'status', status: 503, code: 'ServiceUnavailable' } });
  proxy.inject({ method: 'DELETE', path: /[?&]uploadId=/, fault: { kind: 'status', status: 503, code: 'ServiceUnavailable' } });
  await t.throwsAsync(mover.stageOut({ localPath: join(dir.path, 'big2'), url: url(key) }), { instanceOf: PilotError });
  const open = (await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  t.is(open.filter((u) => u.Key === key).length, 1, 'the failed attempt left its upload open (the fault was real)');
  // Attempt 2: the store answers again, except the listing the mover makes before uploading.
  proxy.clearFaults();
  proxy.inject({ method: 'GET', path: /[?&]uploads/, times: 2, fault: { kind: 'status', status: 503, code: 'ServiceUnavailable' } });
  await mover.stageOut({ localPath: join(dir.path, 'big2'), url: url(key) });
  t.true((await readS3(raw, swift.s3Url(bucket, key))).body.equals(data));
  const left = (await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  t.deepEqual(left.map((u) => u.UploadId), [], 'no upload of the stored object is left open');
});
