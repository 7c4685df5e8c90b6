/**
 * The PanDA client against a server that misbehaves on purpose (a real HTTP server on
 * loopback, scripted per request): retries within the budget for passing faults, no retry
 * for refusals and garbage, and clear errors.
 */
import test from 'ava';
import { ConfigError, ErrorCodes, PILOT_DEFAULTS, PandaClient, PilotError, SecretRegistry, type ServerSettings } from '../../../core/index.js';
import { reply, reset, stall, startMisbehavingServer, startSilentServer, status, type MisbehavingServer } from '../../helpers/misbehaving-server.js';

const fast: ServerSettings = { ...PILOT_DEFAULTS.server, auth: 'none', connectTimeoutMs: 300, requestTimeoutMs: 300, retries: 2, backoffBaseMs: 5, backoffMaxMs: 20 };

let server: MisbehavingServer;
test.before(async () => { server = await startMisbehavingServer(); });
test.after.always(async () => { await server.close(); });

/** Each test scripts the shared server, so they run one at a time. */
async function withServer(script: Parameters<MisbehavingServer['script']>, body: (client: PandaClient) => Promise<void>, settings: Partial<ServerSettings> = {}): Promise<number> {
  server.requests.length = 0;
  server.script(...script);
  const client = new PandaClient({ server: { ...fast, url: server.url, ...settings }, secrets: new SecretRegistry(), env: {} });
  try {
    await body(client);
  } finally {
    client.close();
  }
  return server.requests.length;
}

test.serial('a stalled server: each attempt hits the total deadline, then a recoverable COMMUNICATIONFAILURE', async (t) => {
  const started = Date.now();
  const calls = await withServer([stall], async (c) => {
    const err = await t.throwsAsync(c.getJob({ siteName: 'X' }), { instanceOf: PilotError });
    t.is(err.code, ErrorCodes.COMMUNICATIONFAILURE);
    t.true(err.recoverable);
    t.regex(err.message, /^getJob: no complete reply within 300 ms \(gave up after 3 attempts\)$/);
  });
  t.is(calls, 3);
  t.true(Date.now() - started >= 900, 'three full deadlines were waited for');
});

test.serial('connection resets are retried; success within the budget is success', async (t) => {
  const calls = await withServer([reset, reset, reply('StatusCode=0&command=softkill')], async (c) => {
    t.deepEqual(await c.updateJob({ pandaId: '1', state: 'running' }), ['softkill']);
  });
  t.is(calls, 3);
});

test.serial('resets beyond the budget give an error naming the fault', async (t) => {
  const calls = await withServer([reset], async (c) => {
    await t.throwsAsync(c.updateJob({ pandaId: '1', state: 'running' }), { instanceOf: PilotError, message: /^updateJob: ECONNRESET: .*gave up after 3 attempts/ });
  });
  t.is(calls, 3);
});

test.serial('503 answers are retried, then the error shows the status and the page title', async (t) => {
  const page = '<html><head><title>503 Service Unavailable</title></head><body>busy</body></html>';
  t.is(await withServer([status(503, page), reply('StatusCode=0&eventRanges=[]')], async (c) => {
    t.deepEqual(await c.getEventRanges({ pandaId: '1', nRanges: 4 }), []);
  }), 2);
  t.is(await withServer([status(503, page)], async (c) => {
    const err = await t.throwsAsync(c.getEventRanges({ pandaId: '1', nRanges: 4 }), { instanceOf: PilotError });
    t.is(err.message, 'getEventRanges: HTTP 503 Service Unavailable ("503 Service Unavailable") (gave up after 3 attempts)');
    t.true(err.recoverable);
  }), 3);
});

test.serial('StatusCode 10 (server timeout) is retried', async (t) => {
  t.is(await withServer([reply('StatusCode=10'), reply('{"StatusCode": 0, "Returns": [true], "Command": {"1": null}}')], async (c) => {
    t.deepEqual(await c.updateEventRanges([{ eventRangeId: '1-1-1-1-1', eventStatus: 'finished' }], '1'), { results: [true], commands: [] });
  }), 2);
});

test.serial('authorisation refusals 50/60/70/80 are never retried', async (t) => {
  for (const code of [50, 60, 70, 80]) {
    t.is(await withServer([reply(`StatusCode=${code}&errorDialog=refused+${code}`)], async (c) => {
      const err = await t.throwsAsync(c.getJob({ siteName: 'X' }), { instanceOf: PilotError });
      t.is(err.code, ErrorCodes.MISSINGCREDENTIALS);
      t.false(err.recoverable);
      t.regex(err.message, new RegExp(`^getJob: the PanDA server answered StatusCode ${code} \\(.*\\): refused ${code}$`));
    }), 1, `StatusCode ${code}`);
  }
  t.is(await withServer([reply('StatusCode=80&errorDialog=key+missing')], async (c) => {
    await t.throwsAsync(c.getKeyPair('a.pub', 'a.key'), { instanceOf: PilotError, code: ErrorCodes.GETKEYPAIR, message: /StatusCode 80 \(MissKey\): key missing/ });
  }), 1);
  t.is(await withServer([status(403, 'Forbidden')], async (c) => {
    await t.throwsAsync(c.getJob({ siteName: 'X' }), { instanceOf: PilotError, code: ErrorCodes.MISSINGCREDENTIALS, message: /HTTP 403 .*refused the credentials/ });
  }), 1);
});

test.serial('malformed replies: clear errors, no retry', async (t) => {
  const cases: [string, RegExp, number][] = [
    ['PandaID=1&jobsetID=2', /^getEventRanges: malformed reply from the PanDA server: no StatusCode/, ErrorCodes.COMMUNICATIONFAILURE],
    ['StatusCode=0&eventRanges=%5Bnot+json', /getEventRanges\.eventRanges: expected a JSON list of event ranges, got "\[not json"/, ErrorCodes.CONVERSIONFAILURE],
    ['<!DOCTYPE html><html><title>Apache Error</title><p>oops</p></html>', /HTML page instead of a reply \(title "Apache Error"\)/, ErrorCodes.COMMUNICATIONFAILURE],
    ['StatusCode=0&eventRanges=[{"eventRangeID":"1-2-3-4-5","startEvent":1}]', /eventRanges\[0\]\.lastEvent: expected an integer/, ErrorCodes.CONVERSIONFAILURE],
  ];
  for (const [body, message, code] of cases) {
    t.is(await withServer([reply(body, body.startsWith('<') ? 'text/html' : 'text/plain')], async (c) => {
      const err = await t.throwsAsync(c.getEventRanges({ pandaId: '1', nRanges: 1 }), { instanceOf: PilotError, message });
      t.is(err.code, code);
      t.false(err.recoverable);
    }), 1, body);
  }
  t.is(await withServer([reply('StatusCode=0&Returns=%7B%7D')], async (c) => {
    await t.throwsAsync(c.updateEventRanges([{ eventRangeId: 'a', eventStatus: 'finished' }]), { instanceOf: PilotError, message: /^updateEventRanges: malformed reply .*Returns is not a list/ });
  }), 1);
});

test.serial('a short Returns list counts the unanswered ranges as not applied', async (t) => {
  await withServer([reply('StatusCode=0&Returns=%5Btrue%5D')], async (c) => {
    const r = await c.updateEventRanges([{ eventRangeId: 'a', eventStatus: 'finished' }, { eventRangeId: 'b', eventStatus: 'failed' }]);
    t.deepEqual(r.results, [true, false]);
  });
});

test.serial('the connect deadline cuts a TLS handshake that never completes', async (t) => {
  const silent = await startSilentServer();
  t.teardown(() => silent.close());
  const client = new PandaClient({ server: { ...fast, url: `https://127.0.0.1:${silent.port}`, connectTimeoutMs: 150, requestTimeoutMs: 5000, retries: 1 }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => client.close());
  const started = Date.now();
  const err = await t.throwsAsync(client.getJob({ siteName: 'X' }), { instanceOf: PilotError });
  t.regex(err.message, /^getJob: ESPILOT_CONNECT_TIMEOUT: no connection to 127\.0\.0\.1:\d+ within 150 ms \(gave up after 2 attempts\)$/);
  t.true(Date.now() - started < 4000, 'the connect deadline, not the total deadline, ended each attempt');
});

test.serial('a refused connection is retried, then reported', async (t) => {
  const client = new PandaClient({ server: { ...fast, url: 'http://127.0.0.1:9' }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => client.close());
  await t.throwsAsync(client.getJob({ siteName: 'X' }), { instanceOf: PilotError, message: /^getJob: ECONNREFUSED: .*gave up after 3 attempts/ });
});

test.serial('no server URL is a configuration error naming the field', (t) => {
  const err = t.throws(() => new PandaClient({ server: fast, secrets: new SecretRegistry(), env: {} }), { instanceOf: ConfigError });
  t.regex(err.message, /config\.server\.url: expected the PanDA server URL/);
});
