/**
 * Credentials: a bearer token from a file, an X.509 proxy over HTTPS with a client
 * certificate (a real TLS server on loopback, PKI made by openssl), key pairs from
 * getKeyPair; none of them ever appears in the run's logs.
 */
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, PILOT_DEFAULTS, PandaClient, PilotError, SecretRegistry, loadPandaAuth, type ServerSettings } from '../../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../../plugins/panda-local/index.js';
import { makeRun } from '../../helpers/make-run.js';
import { reply, startMisbehavingServer } from '../../helpers/misbehaving-server.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { makeTestPki, type TestPki } from '../../helpers/test-certs.js';

const TOKEN = 'CANARY-token-7c1e9a44f0';
const PUBLIC = 'CANARY-access-5b2d77e1';
const PRIVATE = 'CANARY-secret-0e8f31aa9c';
const server = { connectTimeoutMs: 2000, requestTimeoutMs: 5000, retries: 1, backoffBaseMs: 10, backoffMaxMs: 20 };
const base: ServerSettings = { ...PILOT_DEFAULTS.server, auth: 'none', ...server };

let dir: Awaited<ReturnType<typeof tempDir>>;
let tokenFile: string;
let withToken: DispatcherHandle;
let pki: TestPki;
let tls: DispatcherHandle;

test.before(async () => {
  dir = await tempDir('espilot-auth-');
  tokenFile = join(dir.path, 'panda_token');
  await writeFile(tokenFile, `${TOKEN}\n`);
  await mkdir(join(dir.path, 'keys'));
  await writeFile(join(dir.path, 'keys', 'LOCAL_ObjectStoreKey.pub'), PUBLIC);
  await writeFile(join(dir.path, 'keys', 'LOCAL_ObjectStoreKey'), PRIVATE);
  withToken = await startDispatcher({ tokenFile, keysDir: join(dir.path, 'keys') });
  pki = await makeTestPki(dir.path);
  tls = await startDispatcher({ tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca } });
});
test.after.always(async () => {
  await withToken?.stop();
  await tls?.stop();
  await dir?.remove();
});

test('a bearer token from the file named by PANDA_AUTH_TOKEN; keys and token never logged', async (t) => {
  const run = await makeRun({ cli: { pilot: { server: { ...server, url: withToken.url, auth: 'token' } } } });
  const client = PandaClient.fromRun(run, { PANDA_AUTH_TOKEN: 'panda_token', PANDA_AUTH_DIR: dir.path });
  t.teardown(async () => { client.close(); await run.dispose(); });
  t.truthy(await client.getJob({ siteName: 'LOCAL' }));
  const keys = await client.getKeyPair('LOCAL_ObjectStoreKey.pub', 'LOCAL_ObjectStoreKey');
  t.deepEqual(keys, { publicKey: PUBLIC, privateKey: PRIVATE });
  run.logger.info(`the pilot holds ${keys.privateKey} and sends ${TOKEN}`);
  const text = run.lines.join('\n');
  for (const canary of [TOKEN, PUBLIC, PRIVATE]) t.false(text.includes(canary), `${canary} leaked`);
  t.true(run.lines.some((l) => l.includes('getKeyPair(') && l.includes('publicKey=******** privateKey=********')), 'the reply line is logged, masked');
  t.true(run.lines.some((l) => l.includes('the pilot holds ******** and sends ********')));
});

test('without the token the dispatcher refuses (StatusCode 50), not retried; a missing key names the key', async (t) => {
  const client = new PandaClient({ server: { ...base, url: withToken.url }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => client.close());
  const err = await t.throwsAsync(client.getJob({ siteName: 'LOCAL' }), { instanceOf: PilotError });
  t.is(err.code, ErrorCodes.MISSINGCREDENTIALS);
  t.false(err.recoverable);
  t.regex(err.message, /StatusCode 50 .*invalid or missing bearer token/);
  const tokenClient = new PandaClient({ server: { ...base, url: withToken.url, auth: 'token', tokenFile }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => tokenClient.close());
  await t.throwsAsync(tokenClient.getKeyPair('NOPE.pub', 'LOCAL_ObjectStoreKey'), { instanceOf: PilotError, code: ErrorCodes.GETKEYPAIR, message: /StatusCode 80 \(MissKey\): key NOPE\.pub not found/ });
});

test('a token a server echoes back in its error is masked in the error and in the logs', async (t) => {
  const echo = await startMisbehavingServer();
  echo.script(reply((req) => `StatusCode=50&errorDialog=${encodeURIComponent(`rejected ${String(req.headers.authorization)}`)}`));
  const run = await makeRun({ cli: { pilot: { server: { ...server, url: echo.url, auth: 'token', tokenFile } } } });
  const client = PandaClient.fromRun(run, {});
  t.teardown(async () => { client.close(); await run.dispose(); await echo.close(); });
  const err = await t.throwsAsync(client.getJob({ siteName: 'LOCAL' }), { instanceOf: PilotError });
  t.is(echo.requests[0]!.headers.authorization, `Bearer ${TOKEN}`, 'the token really was sent');
  t.false(err.message.includes(TOKEN));
  t.regex(err.message, /rejected Bearer \*{8}$/);
  t.false(run.lines.join('\n').includes(TOKEN));
  t.true(run.lines.some((l) => l.includes('errorDialog=rejected Bearer ********')));
});

test('an X.509 proxy as client certificate over HTTPS; its key registered as a secret', async (t) => {
  const run = await makeRun({ cli: { pilot: { server: { ...server, url: tls.url, auth: 'x509', caPath: pki.caFile } } } });
  const client = PandaClient.fromRun(run, { X509_USER_PROXY: pki.proxyFile });
  t.teardown(async () => { client.close(); await run.dispose(); });
  const job = await client.getJob({ siteName: 'LOCAL' });
  t.true(job?.eventService);
  t.true(run.secrets.contains(pki.clientKey), 'the proxy key is a registered secret');
  run.logger.info(pki.clientKey);
  t.false(run.lines.join('\n').includes(pki.clientKey.split('\n')[1]!));
});

test('HTTPS without a client certificate or with an untrusted server: refused, not retried', async (t) => {
  const noCert = new PandaClient({ server: { ...base, url: tls.url, caPath: pki.caFile }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => noCert.close());
  await t.throwsAsync(noCert.getJob({ siteName: 'LOCAL' }), { instanceOf: PilotError, code: ErrorCodes.MISSINGCREDENTIALS, message: /StatusCode 40 .*no valid client certificate/ });
  const untrusted = new PandaClient({ server: { ...base, url: tls.url, auth: 'x509', proxyFile: pki.proxyFile }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => untrusted.close());
  const err = await t.throwsAsync(untrusted.getJob({ siteName: 'LOCAL' }), { instanceOf: PilotError, code: ErrorCodes.MISSINGCREDENTIALS });
  t.regex(err.message, /^getJob: TLS verification failed: /);
  t.false(err.recoverable);
});

test('missing credentials are clear errors before any call', (t) => {
  t.throws(() => loadPandaAuth({ ...base, auth: 'x509' }, { X509_USER_PROXY: join(dir.path, 'nope') }, new SecretRegistry()), { instanceOf: PilotError, code: ErrorCodes.NOPROXY, message: /cannot read the proxy .*nope/ });
  t.throws(() => loadPandaAuth({ ...base, auth: 'x509', proxyFile: tokenFile }, {}, new SecretRegistry()), { code: ErrorCodes.NOPROXY, message: /holds no certificate and no private key in PEM form/ });
  t.throws(() => loadPandaAuth({ ...base, auth: 'token' }, {}, new SecretRegistry()), { code: ErrorCodes.MISSINGCREDENTIALS, message: /no token file \(set server\.tokenFile, PANDA_AUTH_TOKEN or OIDC_AUTH_TOKEN\)/ });
  t.throws(() => loadPandaAuth({ ...base, auth: 'token' }, { OIDC_AUTH_TOKEN: join(dir.path, 'nope') }, new SecretRegistry()), { code: ErrorCodes.MISSINGCREDENTIALS, message: /cannot read the token file/ });
  t.throws(() => loadPandaAuth({ ...base, caPath: join(dir.path, 'nope') }, {}, new SecretRegistry()), { message: /config\.server\.caPath: expected a directory or file of PEM CA certificates/ });
});
