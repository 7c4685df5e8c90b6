/**
 * `espilot check` on a queue as CRIC serves it, every activity on the `rucio` copytool: by name
 * from a loopback CRIC, and as a local file with the endpoints from a file. Each activity's
 * storage is the endpoint's protocol for it, carried by the mover of its scheme.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCricServer } from '../helpers/cric-server.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const queueFile = join(root, 'test/fixtures/cric/pandaqueue.json');
const endpointsFile = join(root, 'test/fixtures/cric/ddmendpoints.json');
const EXPECTED = [
  'pr: root://eosatlas.cern.ch:1094//eos/atlas/atlasdatadisk/rucio via rucio',
  'pw: davs://eosatlas.cern.ch:443/eos/atlas/atlasdatadisk/rucio via rucio',
  'es_events: s3://s3.cern.ch:443/atlas_eventservice via rucio',
];

test('check -q NAME --queuedata-url <loopback CRIC> --storagedata-url <loopback CRIC>: rucio copytools pass', async (t) => {
  const cric = await startCricServer({
    '/cache/schedconfig/CERN-PROD_ES.json': JSON.parse(readFileSync(queueFile, 'utf8')),
    '/cache/ddmendpoints.json': JSON.parse(readFileSync(endpointsFile, 'utf8')),
  });
  t.teardown(() => cric.stop());
  const dir = await tempDir('espilot-cric-check-');
  t.teardown(() => dir.remove());
  const r = await runCli(['check', '-q', 'CERN-PROD_ES', '--queuedata-url', `${cric.url}/cache/schedconfig/{pandaqueue}.json`, '--storagedata-url', `${cric.url}/cache/ddmendpoints.json`], { cwd: dir.path });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /configuration OK: queue CERN-PROD_ES/);
  for (const line of EXPECTED) t.true(r.stdout.includes(line), `${line}\n${r.stdout}`);
});

test('check --queue <CRIC-shaped file> --storagedata-url <file>; without the storage data the missing endpoints are named', async (t) => {
  const ok = await runCli(['check', '--queue', queueFile, '--storagedata-url', endpointsFile]);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  for (const line of EXPECTED) t.true(ok.stdout.includes(line), `${line}\n${ok.stdout}`);
  const bad = await runCli(['check', '--queue', queueFile]);
  t.is(bad.code, 2);
  t.regex(bad.stdout, /queuedata\.ddmendpoints\.CERN-PROD_ES_OS: expected the storage endpoint astorages\.es_events\[0\] names, in the storage data \(ddmendpoints, or --storagedata-url\), got no storage data/);
  t.notRegex(bad.stdout, /queuedata\.astorages/, 'the gap is the endpoint, not astorages');
});
