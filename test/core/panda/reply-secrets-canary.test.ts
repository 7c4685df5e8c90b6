/**
 * Secrets in malformed replies: a dispatcher stand-in (real HTTP on loopback) answers
 * getKeyPair, getJob (with proxy fields) and token-authenticated calls with every broken
 * shape a reply can take, each carrying canary credentials. The pilot logs and reports each
 * failure back to the server the way it does in production (the error text as a job's
 * pilotErrorDiag and a range's errorDiag); then everything it produced is searched for the
 * canaries: the errors themselves (message, stack, inspected), every log line, what it sent
 * to the server and every file under the site: 0 hits. A control first proves the search
 * finds a planted canary.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { PandaClient, runPilotLoop, type PandaApi } from '../../../core/index.js';
import { canaryHits, filePlaces, type Canary, type Place } from '../../faults/check-secrets.js';
import { localSite, type LocalSite } from '../../helpers/local-site.js';
import { makeRun, type TestRun } from '../../helpers/make-run.js';
import { reply, startMisbehavingServer, status, type Behaviour, type MisbehavingServer } from '../../helpers/misbehaving-server.js';

const hex = () => randomBytes(10).toString('hex');
const PRIV = `CANARYPRIV${hex()}`;
const PUB = `CANARYPUB${hex()}`;
const PROXY = `CANARYPROXY${hex()}`;
const SECRET = `CANARYSECRET${hex()}`;
const TOKEN1 = `CANARYTOKENA${hex()}`;
const TOKEN2 = `CANARYTOKENB${hex()}`;
const FRESH = `CANARYTOKENC${hex()}`;
const CANARIES: Canary[] = [
  { name: 'the private key', value: PRIV }, { name: 'the public key', value: PUB }, { name: 'the user proxy', value: PROXY },
  { name: 'a job secret', value: SECRET }, { name: 'the first token', value: TOKEN1 }, { name: 'the refreshed token', value: TOKEN2 },
  { name: 'a token in a reply', value: FRESH },
];

// The canary starts the key body: a cut-short excerpt would still show it.
const privPem = `-----BEGIN RSA PRIVATE KEY-----\n${PRIV}AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\nMIIEowIBAAKCAQEA7bq9x\n-----END RSA PRIVATE KEY-----`;
const proxyPem = `-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\n${PROXY}MIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----`;
const j = (o: unknown) => JSON.stringify(o);
const f = (o: Record<string, string>) => new URLSearchParams(o).toString();

const keyShapes: [string, Behaviour][] = [
  ['JSON without StatusCode, carrying the keys', reply(j({ publicKey: PUB, privateKey: privPem }), 'application/json')],
  ['form without StatusCode, carrying the keys', reply(f({ publicKey: PUB, privateKey: privPem }))],
  ['StatusCode as a non-numeric string', reply(j({ StatusCode: 'zero', publicKey: PUB, privateKey: privPem }))],
  ['StatusCode as a form word', reply(f({ StatusCode: 'abc', publicKey: PUB, privateKey: privPem }))],
  ['StatusCode null', reply(j({ StatusCode: null, privateKey: privPem, publicKey: PUB }))],
  ['non-zero StatusCode with the keys and the key in errorDialog', reply(j({ StatusCode: 80, publicKey: PUB, privateKey: privPem, errorDialog: `cannot serve ${privPem} to ${PUB}` }))],
  ['StatusCode 0 with only the private key', reply(j({ StatusCode: 0, privateKey: privPem }))],
  ['a truncated JSON body', reply(j({ StatusCode: 0, publicKey: PUB, privateKey: privPem }).slice(0, 60 + PUB.length))],
  ['invalid JSON (the engine would quote it)', reply(`{"privateKey": "${PRIV}", "publicKey": "${PUB}",,}`)],
  ['the keys nested below another field', reply(j({ data: { privateKey: PRIV, publicKey: PUB } }))],
  ['an HTML error page quoting the reply', reply(`<html><head><title>Traceback {'privateKey': '${PRIV}', 'publicKey': '${PUB}'}</title></head><body>boom</body></html>`, 'text/html')],
  ['an HTML page without a title', reply(`<html><body><pre>privateKey=${PRIV} publicKey: ${PUB}</pre></body></html>`, 'text/html')],
  ['HTTP 500 with the keys in the body', status(500, j({ privateKey: PRIV, publicKey: PUB }), 'application/json')],
  ['HTTP 500 HTML page quoting the keys', status(500, `<html><title>privateKey=${PRIV}</title></html>`)],
  ['HTTP 400 with the keys in the body', status(400, `privateKey=${PRIV}&publicKey=${PUB}`, 'text/plain')],
  ['HTTP 403 with the keys in the body', status(403, `{"privateKey": "${PRIV}"}`, 'application/json')],
];

const job = { PandaID: '4242', prodSourceLabel: 'managed', transformation: 'x', userProxy: proxyPem, secrets: j({ MY_SECRET: SECRET }), pandaProxySecretKey: SECRET };
const jobShapes: [string, Behaviour][] = [
  ['JSON without StatusCode, carrying proxy and secrets', reply(j(job), 'application/json')],
  ['form without StatusCode, carrying proxy and secrets', reply(f(job))],
  ['StatusCode as a string', reply(j({ StatusCode: 'ok', ...job }))],
  ['non-zero StatusCode with the proxy and errorDialog quoting it', reply(j({ StatusCode: 30, ...job, errorDialog: `proxy ${proxyPem} refused, secret ${SECRET}` }))],
  ['StatusCode 0, proxy and secrets, a job that does not parse', reply(j({ StatusCode: 0, ...job, fsize: 'x', inFiles: 'EVNT.1', GUID: 'NULL' }))],
  ['a truncated JSON body inside the proxy', reply(j({ StatusCode: 0, ...job }).slice(0, 200))],
  ['a jobs list whose entries carry the proxy', reply(j({ StatusCode: 0, jobs: [job] }))],
  ['an HTML page quoting the job', reply(`<html><title>{'userProxy': '${PROXY}', 'secrets': '${SECRET}'}</title></html>`, 'text/html')],
  ['HTTP 500 with the proxy in the body', status(500, j(job), 'application/json')],
];

let server: MisbehavingServer;
test.before(async () => { server = await startMisbehavingServer(); });
test.after.always(async () => { await server.close(); });

interface Harness { readonly site: LocalSite; readonly run: TestRun; readonly client: PandaClient; readonly places: Place[] }

async function harness(t: import('ava').ExecutionContext, pilot: Record<string, unknown> = {}): Promise<Harness> {
  server.requests.length = 0;
  const site = await localSite();
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: server.url, retries: 0, requestTimeoutMs: 3000, ...pilot } })] });
  const client = PandaClient.fromRun(run);
  t.teardown(async () => { client.close(); await run.dispose(); await site.remove(); });
  return { site, run, client, places: [] };
}

/** What the pilot does with a failed call: log it, report it on the job and on a range. */
async function failAndReport(h: Harness, label: string, call: () => Promise<unknown>): Promise<void> {
  let err: Error | undefined;
  try {
    await call();
  } catch (e) {
    err = e as Error;
  }
  if (!err) return;
  h.places.push({ where: `${label}: the error message`, data: err.message }, { where: `${label}: the error stack`, data: err.stack ?? '' }, { where: `${label}: the error inspected`, data: inspect(err, { depth: 6 }) });
  h.run.logger.error(`${label}: ${err.message}`);
  server.script(reply('StatusCode=0&command=NULL&Returns=[true]'));
  await h.client.updateJob({ pandaId: '4242', state: 'failed', pilotErrorCode: 1318, pilotErrorDiag: err.message }).catch(() => undefined);
  await h.client.updateEventRanges([{ eventRangeId: '1-4242-1-1-3', eventStatus: 'failed', errorCode: 1318, errorDiag: err.message }]).catch(() => undefined);
}

async function everything(h: Harness): Promise<Place[]> {
  return [
    ...h.places,
    ...h.run.lines.map((l, i) => ({ where: `log line ${i}`, data: l })),
    // Request bodies: the bearer token is legitimately in the Authorization header.
    ...server.requests.map((r, i) => ({ where: `request ${i} ${r.path}`, data: r.body })),
    ...(await filePlaces([h.site.root])),
  ];
}

test.serial('control: the search finds a canary planted in an error, a log line, a request and a file', async (t) => {
  const h = await harness(t);
  await writeFile(join(h.site.workdir, 'leak.txt'), `x${PRIV}x`);
  h.places.push({ where: 'planted error', data: `e ${PUB}` });
  h.run.lines.push(`line ${PROXY}`);
  server.script(reply('StatusCode=0&command=NULL'));
  // Not registered anywhere, so nothing masks it on the way out.
  await h.client.updateJob({ pandaId: '1', state: 'failed', pilotErrorDiag: `diag ${SECRET}` });
  const hits = canaryHits(CANARIES, await everything(h));
  for (const name of ['the private key', 'the public key', 'the user proxy', 'a job secret']) t.true(hits.some((x) => x.includes(name)), `${name} found: ${hits.join('; ')}`);
});

test.serial('getKeyPair: every malformed reply shape leaves no trace of the keys', async (t) => {
  const h = await harness(t);
  for (const [label, shape] of keyShapes) {
    server.script(shape);
    await failAndReport(h, label, () => h.client.getKeyPair('s3.pub', 's3.key'));
  }
  t.true(h.places.length >= keyShapes.length * 3, 'every shape failed');
  t.deepEqual(canaryHits(CANARIES, await everything(h)), []);
  t.true(h.run.secrets.contains(PRIV) && h.run.secrets.contains(PUB), 'the keys were registered as secrets');
});

test.serial('getJob with proxy fields: every malformed shape leaves no trace of the proxy or the secrets, also through the pilot loop', async (t) => {
  const h = await harness(t);
  for (const [label, shape] of jobShapes) {
    server.script(shape);
    await failAndReport(h, label, () => h.client.getJob({ siteName: 'TEST_LOCAL' }));
  }
  // The pilot itself: a bad job carrying a proxy is reported failed to the server.
  server.script(reply(j({ StatusCode: 0, ...job, PandaID: '4343', fsize: 'x', inFiles: 'EVNT.1', GUID: 'NULL' })), reply('StatusCode=0&command=NULL'), reply('StatusCode=20'));
  const api: PandaApi = h.client;
  const result = await runPilotLoop({ run: h.run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 2, handleSignals: false });
  t.is(result.rejected[0]?.pandaId, '4343');
  h.places.push({ where: 'the rejected job', data: j(result.rejected) });
  t.true(server.requests.some((r) => r.path.endsWith('/updateJob') && r.body.includes('4343')), 'the rejection reached the server');
  t.deepEqual(canaryHits(CANARIES, await everything(h)), []);
});

test.serial('token auth and refresh: refusals and replies echoing the old, the refreshed or a new token leave no trace', async (t) => {
  const dirSite = await localSite();
  t.teardown(() => dirSite.remove());
  const tokenFile = join(dirSite.root, 'token');
  await writeFile(tokenFile, `${TOKEN1}\n`);
  const h = await harness(t, { auth: 'token', tokenFile });
  const shapes: [string, Behaviour][] = [
    ['401 page echoing the bearer token', status(401, `<html><title>Invalid token Bearer ${TOKEN1}</title></html>`)],
    ['403 JSON echoing the token', status(403, j({ error: `token ${TOKEN1} expired` }), 'application/json')],
    ['a reply without StatusCode carrying a new access token', reply(j({ access_token: FRESH, token_type: 'Bearer' }), 'application/json')],
    ['a form reply with a refresh token and a bad StatusCode', reply(f({ StatusCode: 'x', refresh_token: FRESH, id_token: FRESH }))],
    ['500 quoting the token', status(500, `Authorization: Bearer ${TOKEN1}`, 'text/plain')],
  ];
  for (const [label, shape] of shapes) {
    server.script(shape);
    await failAndReport(h, label, () => h.client.getJob({ siteName: 'TEST_LOCAL' }));
  }
  // The token file is replaced (a refresh); the next calls use the new token, and replies echo it.
  await writeFile(tokenFile, `${TOKEN2}\n`);
  const later = new Date(Date.now() + 5000);
  await utimes(tokenFile, later, later);
  await new Promise((r) => setTimeout(r, 1100));
  for (const [label, shape] of [
    ['401 echoing the refreshed token', status(401, `<title>bad token ${TOKEN2}</title>`)],
    ['HTTP 500 echoing the refreshed token', status(500, `token=${TOKEN2}`)],
  ] as [string, Behaviour][]) {
    server.script(shape);
    await failAndReport(h, label, () => h.client.getJob({ siteName: 'TEST_LOCAL' }));
  }
  t.true(server.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN2}`), 'the refreshed token was used');
  t.deepEqual(canaryHits(CANARIES, await everything(h)), []);
});
