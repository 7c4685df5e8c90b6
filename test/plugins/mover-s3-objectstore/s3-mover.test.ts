import test from 'ava';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ChecksumStore, ConfigError, PandaApi, PilotError, PluginNotFoundError, SiteMover, adler32, checksumStoreEntry, formatAdler32, containedUrl,
  type ChecksumStore as Store, type SiteMover as Mover,
} from '../../../core/index.js';
import { LocalMover } from '../../../plugins/mover-local/index.js';
import { S3Mover, parseS3Url } from '../../../plugins/mover-s3-objectstore/index.js';
import { XrootdMover } from '../../../plugins/mover-xrootd-objectstore/index.js';
import { siteMoverConformance } from '../../conformance/site-mover.conformance.js';
import { makeRun } from '../../helpers/make-run.js';
import { keyPairServer } from '../../helpers/panda-keys.js';
import { rawS3Client, readS3, tamperS3 } from '../../helpers/s3-raw.js';
import { startSwift, type SwiftServer } from '../../helpers/swift-server.js';
import { tempDir } from '../../helpers/temp-dir.js';

let swift: SwiftServer;
let raw: S3Client;

test.before(async () => {
  swift = await startSwift();
  raw = rawS3Client(swift);
});
test.after.always(async () => {
  raw?.destroy();
  await swift?.stop();
});

const bucket = () => `es_${randomBytes(4).toString('hex')}`;
const adler = (b: Buffer) => formatAdler32(adler32(b));

function s3Run(extra: Record<string, unknown> = {}, queuedata?: Record<string, unknown>) {
  return makeRun({
    cli: {
      pilot: { pluginOptions: { 's3-objectstore': { credentials: { accessKey: swift.accessKey, secretKey: swift.secretKey }, ...extra } } },
      ...(queuedata ? { queuedata } : {}),
    },
  });
}

siteMoverConformance(test, 'mover-s3-objectstore', async () => {
  const run = await s3Run();
  return {
    mover: run.resolver.get<Mover>(SiteMover, 's3-objectstore'),
    baseUrl: swift.s3Url(bucket()),
    tamper: (url, bytes) => tamperS3(raw, url, bytes),
    teardown: () => run.dispose(),
  };
});

siteMoverConformance(test, 'mover-s3-objectstore (HEAD verification, legacy //bucket URLs)', async () => {
  const run = await s3Run({ verifyUpload: 'head' });
  return {
    mover: run.resolver.get<Mover>(SiteMover, 's3'),
    baseUrl: swift.s3Url(bucket(), undefined, true),
    tamper: (url, bytes) => tamperS3(raw, url, bytes),
    teardown: () => run.dispose(),
  };
});

siteMoverConformance(test, 'mover-s3-objectstore (Content-MD5 verification)', async () => {
  const run = await s3Run({ verifyUpload: 'content-md5' });
  return {
    mover: run.resolver.get<Mover>(SiteMover, 's3'),
    baseUrl: swift.s3Url(bucket()),
    tamper: (url, bytes) => tamperS3(raw, url, bytes),
    teardown: () => run.dispose(),
  };
});

test('the objectstore copytool dispatches by URL scheme: s3 → S3, root → xrootd, file → local', async (t) => {
  const run = await s3Run();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const byScheme = (scheme: string) => run.resolver.get<Mover>(SiteMover, 'objectstore', scheme);
  t.true(byScheme('s3') instanceof S3Mover);
  t.true(byScheme('root') instanceof XrootdMover);
  t.true(byScheme('file') instanceof LocalMover);
  t.throws(() => byScheme('gsiftp'), { instanceOf: PluginNotFoundError, message: /objectstore" for scheme "gsiftp/ });
  const src = join(dir.path, 'out.1');
  await writeFile(src, 'range output');
  for (const base of [swift.s3Url(bucket()), pathToFileURL(join(dir.path, 'os')).href]) {
    const url = containedUrl(base, 'out.1');
    const put = await byScheme(url.slice(0, url.indexOf(':'))).stageOut({ localPath: src, url });
    t.is(put.checksum.value, adler(Buffer.from('range output')), url);
  }
});

test('legacy //bucket and plain /bucket URLs name the same object', async (t) => {
  const run = await s3Run();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const mover = run.resolver.get<Mover>(SiteMover, 's3-objectstore');
  const b = bucket();
  await writeFile(join(dir.path, 'src'), 'same object');
  await mover.stageOut({ localPath: join(dir.path, 'src'), url: swift.s3Url(b, 'deep/key/x.1', true) });
  const st = await mover.stat(swift.s3Url(b, 'deep/key/x.1'));
  t.is(st?.size, 11);
  t.deepEqual(parseS3Url(swift.s3Url(b, 'deep/key/x.1', true)), parseS3Url(swift.s3Url(b, 'deep/key/x.1')));
});

test('adler32 and md5 are stored as user metadata', async (t) => {
  const run = await s3Run({ md5: true, verifyUpload: 'head' });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const data = randomBytes(70_000);
  await writeFile(join(dir.path, 'src'), data);
  const url = swift.s3Url(bucket(), 'meta.1');
  await run.resolver.get<Mover>(SiteMover, 's3').stageOut({ localPath: join(dir.path, 'src'), url });
  const stored = await readS3(raw, url);
  t.true(stored.body.equals(data));
  t.is(stored.metadata['adler32'], adler(data));
  t.regex(stored.metadata['md5'] ?? '', /^[0-9a-f]{32}$/);
});

test('files above the threshold go up as multipart uploads and come back intact', async (t) => {
  const MiB = 1024 * 1024;
  const run = await s3Run({ multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, queueSize: 2 });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const data = randomBytes(12 * MiB + 17);
  await writeFile(join(dir.path, 'big'), data);
  const url = swift.s3Url(bucket(), 'big.1');
  const mover = run.resolver.get<Mover>(SiteMover, 's3');
  const put = await mover.stageOut({ localPath: join(dir.path, 'big'), url });
  t.is(put.checksum.value, adler(data));
  const { bucket: b, key } = parseS3Url(url);
  const head = await raw.send(new HeadObjectCommand({ Bucket: b, Key: key }));
  t.regex(head.ETag ?? '', /-3"$/, 'a 3-part upload');
  t.is(head.Metadata?.['adler32'], adler(data));
  await mover.stageIn({ localPath: join(dir.path, 'back'), url });
  t.true((await readFile(join(dir.path, 'back'))).equals(data));
});

test('keys come from PanDA getKeyPair, once per run, named by the storage endpoint of the URL', async (t) => {
  const b = bucket();
  const run = await makeRun({
    cli: {
      queuedata: {
        ddmendpoints: {
          OTHER_OS: { endpoint: 's3://elsewhere.example:8443', path: '//x', access_key: 'OTHER.pub', secret_key: 'OTHER' },
          SAME_HOST_OTHER_BUCKET: { endpoint: `s3://127.0.0.1:${swift.port}`, path: '//another_bucket', access_key: 'WRONG.pub', secret_key: 'WRONG' },
          LOCAL_OS_ES: { endpoint: `s3://127.0.0.1:${swift.port}`, path: `//${b}`, access_key: 'LOCAL_ObjectStoreKey.pub', secret_key: 'LOCAL_ObjectStoreKey', is_secure: false },
        },
        astorages: { es_events: ['LOCAL_OS_ES'] },
      },
    },
  });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const panda = keyPairServer({ 'LOCAL_ObjectStoreKey.pub\0LOCAL_ObjectStoreKey': { publicKey: swift.accessKey, privateKey: swift.secretKey } }, run.secrets);
  run.resolver.provide(PandaApi, panda);
  const mover = run.resolver.get<Mover>(SiteMover, 'objectstore', 's3');
  await writeFile(join(dir.path, 'src'), 'keyed');
  const urls = [1, 2, 3, 4].map((i) => swift.s3Url(b, `k.${i}`, true));
  await Promise.all(urls.map((url) => mover.stageOut({ localPath: join(dir.path, 'src'), url })));
  await mover.stageIn({ localPath: join(dir.path, 'back'), url: urls[0]! });
  t.deepEqual(panda.calls, [['LOCAL_ObjectStoreKey.pub', 'LOCAL_ObjectStoreKey']]);
  t.true(run.secrets.contains(`x ${swift.secretKey} y`));
  t.false(run.lines.some((l) => l.includes(swift.secretKey)));
});

test('is_secure on the storage endpoint makes the client speak HTTPS; pluginOptions.secure overrides it', async (t) => {
  const queuedata = { ddmendpoints: { TLS_OS: { endpoint: `s3://127.0.0.1:${swift.port}`, path: '//tls_bucket', access_key: 'T.pub', secret_key: 'T', is_secure: true } } };
  const run = await makeRun({ cli: { pilot: { pluginOptions: { 's3-objectstore': { maxAttempts: 1 } } }, queuedata } });
  const plain = await makeRun({ cli: { pilot: { pluginOptions: { 's3-objectstore': { secure: false } } }, queuedata } });
  t.teardown(async () => { await run.dispose(); await plain.dispose(); });
  for (const r of [run, plain]) r.resolver.provide(PandaApi, keyPairServer({ 'T.pub\0T': { publicKey: swift.accessKey, privateKey: swift.secretKey } }, r.secrets));
  // Swift here speaks plain HTTP: a TLS handshake against it fails, which proves HTTPS was used.
  const e = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 's3').stat(`s3://127.0.0.1:${swift.port}//tls_bucket/x`), { instanceOf: PilotError });
  t.regex(e!.message, /EPROTO|SSL|wrong version number|TLS/i);
  t.is(await plain.resolver.get<Mover>(SiteMover, 's3').stat(`s3://127.0.0.1:${swift.port}//tls_bucket/x`), undefined);
});

test('legacy queues: key names from os_access_key / os_secret_key', async (t) => {
  const b = bucket();
  const run = await makeRun({
    cli: {
      queuedata: {
        objectstore: `eventservice^s3://127.0.0.1:${swift.port}//${b}|logs^s3://127.0.0.1:${swift.port}//${b}_logs`,
        os_access_key: 'BNL_ObjectStoreKey.pub',
        os_secret_key: 'BNL_ObjectStoreKey',
      },
    },
  });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const panda = keyPairServer({ 'BNL_ObjectStoreKey.pub\0BNL_ObjectStoreKey': { publicKey: swift.accessKey, privateKey: swift.secretKey } }, run.secrets);
  run.resolver.provide(PandaApi, panda);
  await writeFile(join(dir.path, 'src'), 'legacy');
  await run.resolver.get<Mover>(SiteMover, 'objectstore', 's3').stageOut({ localPath: join(dir.path, 'src'), url: containedUrl(run.settings.queue.objectstore!.eventservice!, 'x.1') });
  t.deepEqual(panda.calls, [['BNL_ObjectStoreKey.pub', 'BNL_ObjectStoreKey']]);
});

test('no keys anywhere: GETKEYPAIR (1222) saying what to configure; no PanDA client: the same', async (t) => {
  // A storage endpoint that names no bucket still gives the key names for its host.
  const run = await makeRun({ cli: { queuedata: { ddmendpoints: { OS: { endpoint: `s3://127.0.0.1:${swift.port}`, access_key: 'A.pub', secret_key: 'A' } } } } });
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  await writeFile(join(dir.path, 'src'), 'x');
  const mover = run.resolver.get<Mover>(SiteMover, 's3');
  const none = await t.throwsAsync(mover.stageOut({ localPath: join(dir.path, 'src'), url: 's3://other.example:9000/b/k' }), { instanceOf: PilotError });
  t.is(none?.code, 1222);
  t.regex(none!.message, /access_key\/secret_key .*os_access_key.*credentials/);
  const noPanda = await t.throwsAsync(mover.stageOut({ localPath: join(dir.path, 'src'), url: `s3://127.0.0.1:${swift.port}/b/k` }), { instanceOf: PilotError });
  t.is(noPanda?.code, 1222);
  t.regex(noPanda!.message, /no PanDA client/);
});

test('keys from key files, registered as secrets', async (t) => {
  const dir = await tempDir();
  await writeFile(join(dir.path, 'access'), `${swift.accessKey}\n`);
  await writeFile(join(dir.path, 'secret'), `${swift.secretKey}\n`);
  const run = await makeRun({ cli: { pilot: { pluginOptions: { 's3-objectstore': { credentials: { accessKeyFile: join(dir.path, 'access'), secretKeyFile: join(dir.path, 'secret') } } } } } });
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  await writeFile(join(dir.path, 'src'), 'from files');
  await run.resolver.get<Mover>(SiteMover, 's3').stageOut({ localPath: join(dir.path, 'src'), url: swift.s3Url(bucket(), 'f.1') });
  t.true(run.secrets.contains(swift.secretKey));
  const missing = await makeRun({ cli: { pilot: { pluginOptions: { 's3-objectstore': { credentials: { accessKey: 'a', secretKeyFile: join(dir.path, 'nope') } } } } } });
  t.teardown(() => missing.dispose());
  const e = await t.throwsAsync(missing.resolver.get<Mover>(SiteMover, 's3').stat(swift.s3Url('b', 'k')), { instanceOf: PilotError });
  t.is(e?.code, 1364);
  t.regex(e!.message, /credentials\.secretKeyFile: cannot read .*nope: ENOENT/);
});

test('bad options name the field', async (t) => {
  const run = await s3Run({ partSizeBytes: 1000, verifyUpload: 'never' });
  t.teardown(() => run.dispose());
  const e = t.throws(() => run.resolver.get<Mover>(SiteMover, 's3'), { instanceOf: Error });
  const cause = (e as { cause?: unknown }).cause ?? e;
  t.true(cause instanceof ConfigError, String(e));
  t.regex(String((cause as Error).message), /pluginOptions\.s3-objectstore\.partSizeBytes: expected an integer from 5242880/);
  t.regex(String((cause as Error).message), /verifyUpload: expected one of "signed-payload", "content-md5", "head"/);
});

test('an md5 expected on stage-in is verified (1145 on mismatch)', async (t) => {
  const run = await s3Run();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const mover = run.resolver.get<Mover>(SiteMover, 's3');
  await writeFile(join(dir.path, 'src'), 'md5 please');
  const url = swift.s3Url(bucket(), 'm.1');
  await mover.stageOut({ localPath: join(dir.path, 'src'), url });
  const md5 = createHash('md5').update('md5 please').digest('hex');
  const ok = await mover.stageIn({ localPath: join(dir.path, 'a'), url, checksum: { type: 'md5', value: md5 } });
  t.is(ok.size, 10);
  const bad = await t.throwsAsync(mover.stageIn({ localPath: join(dir.path, 'b'), url, checksum: { type: 'md5', value: md5.replace(/^./, md5[0] === 'a' ? 'b' : 'a') } }), { instanceOf: PilotError });
  t.is(bad?.code, 1145);
});

test('the s3 checksum store records into and reads from user metadata', async (t) => {
  const run = await s3Run();
  const dir = await tempDir();
  t.teardown(async () => { await run.dispose(); await dir.remove(); });
  const store = run.resolver.instantiate<Store>(checksumStoreEntry(run.registry, 's3')!);
  t.is(store, run.resolver.get<Store>(ChecksumStore, 's3'));
  const data = randomBytes(5000);
  const url = swift.s3Url(bucket(), 'foreign.1');
  const { bucket: b, key } = parseS3Url(url);
  await raw.send(new (await import('@aws-sdk/client-s3')).CreateBucketCommand({ Bucket: b }));
  await raw.send(new PutObjectCommand({ Bucket: b, Key: key, Body: data, Metadata: { 'panda-guid': 'g-1' } }));
  t.deepEqual(await store.lookup(url), { size: 5000, checksums: [] });
  const wrongSize = await t.throwsAsync(store.record(url, 4999, [{ type: 'adler32', value: adler(data) }]), { instanceOf: PilotError });
  t.is(wrongSize?.code, 1139);
  await store.record(url, 5000, [{ type: 'adler32', value: adler(data) }]);
  t.deepEqual(await store.lookup(url), { size: 5000, checksums: [{ type: 'adler32', value: adler(data) }] });
  t.is((await readS3(raw, url)).metadata['panda-guid'], 'g-1', 'other metadata kept');
  t.is(await store.lookup(swift.s3Url(b, 'absent')), undefined);
  // The mover now verifies a stage-in against what the store recorded.
  const evil = Buffer.from(data);
  evil[0] = evil[0]! ^ 1;
  await tamperS3(raw, url, evil);
  const e = await t.throwsAsync(run.resolver.get<Mover>(SiteMover, 's3').stageIn({ localPath: join(dir.path, 'in'), url }), { instanceOf: PilotError });
  t.is(e?.code, 1171);
});
