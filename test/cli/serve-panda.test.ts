/**
 * `espilot serve-panda` as a user runs it: a child process that prints its URL, serves the
 * demo task until SIGTERM, and keeps its state in --state across restarts.
 */
import test from 'ava';
import { once } from 'node:events';
import { join } from 'node:path';
import { PILOT_DEFAULTS, PandaClient, SecretRegistry, type ServerSettings } from '../../core/index.js';
import { servePanda as serve } from '../helpers/serve-panda.js';
import { tempDir } from '../helpers/temp-dir.js';

const settings: ServerSettings = { ...PILOT_DEFAULTS.server, auth: 'none', retries: 0, requestTimeoutMs: 5000 };

test('serves the demo task until SIGTERM; the state survives a restart', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const state = join(dir.path, 'state.json');
  const first = serve(['--state', state, '--encoding', 'form']);
  t.teardown(() => { first.child.kill('SIGKILL'); });
  const client = new PandaClient({ server: { ...settings, url: await first.url }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => client.close());
  const job = (await client.getJob({ siteName: 'LOCAL' }))!;
  t.is(job.taskId, '9001');
  t.is(job.coreCount, 4);
  t.regex(job.jobParameters, /^\/\S+\/dist\/plugins\/payload-simulator\/athenamp-simulator\.js --channel=\$PILOT_EVENTRANGECHANNEL --workers=4 --outputFile=HITS\.9001\._000001\.pool\.root\.1 --timePerEventMs=0$/);
  t.is((await client.call('getJob', { siteName: 'LOCAL' })).encoding, 'form');
  t.regex(first.output(), /task 9001 \(Event Service\): 100 ranges, 1 jobs/);
  t.is(await first.stop(), 0);

  const second = serve(['--state', state]);
  t.teardown(() => { second.child.kill('SIGKILL'); });
  await second.url;
  t.regex(second.output(), /status running \(restored\)/);
  second.child.kill('SIGINT');
  t.is((await once(second.child, 'exit'))[0], 0);
});

test('bad flags are refused with every problem named', async (t) => {
  const bad = serve(['--encoding', 'xml', '--port', 'abc', '--profile', 'ps-1999']);
  const [code] = await once(bad.child, 'exit');
  t.is(code, 2);
  t.regex(bad.output(), /^espilot: serve-panda:\n  --port: expected a port from 0 to 65535, got "abc"\n  --encoding: expected auto, form or json, got "xml"\n  --profile: expected ps-2024 or ps-2015, got "ps-1999"\n/m);
});
