import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const localQueue = join(root, 'config/queuedata.local.json');
const acmeSite = join(root, 'examples/site-mover/site.json');

test('plugins lists every loaded plugin with contract, aliases, schemes and module', async (t) => {
  const r = await runCli(['plugins', '--config', acmeSite]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^CONTRACT\s+NAME\s+ALIASES\s+SCHEMES\s+MODULE/m);
  t.regex(r.stdout, /SiteMover\s+local\s+cp, mv, lsm, objectstore \(by scheme\)\s+file\s+builtin:dist\/plugins\/mover-local\/index\.js/);
  t.regex(r.stdout, /SiteMover\s+acme\s+-\s+acme\s+.*examples\/site-mover\/acme-mover\.js/);
  const json = await runCli(['plugins', '--json']);
  const rows = JSON.parse(json.stdout) as Array<{ contract: string; name: string }>;
  for (const contract of ['Experiment', 'RunJob', 'SiteMover', 'PayloadChannel', 'ChecksumStore', 'PayloadLauncher']) {
    t.true(rows.some((r) => r.contract === contract), `a built-in ${contract}`);
  }
});

test('check: a clean configuration exits 0', async (t) => {
  const r = await runCli(['check', '--queue', localQueue]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /configuration OK: queue ESPILOT_LOCAL/);
});

test('check: every problem at once, with the known names, exit 2', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({
    experiment: 'atlass',
    pluginOptions: { 'no-such-plugin': {} },
    queuedata: { acopytools: { pw: ['gfalcopy2', 'local'], pr: ['local'] }, glexec: 'False' },
  }));
  const r = await runCli(['check', '--config', site, '--queue', localQueue]);
  t.is(r.code, 2);
  t.regex(r.stdout, /3 problem\(s\)/);
  t.regex(r.stdout, /config\.experiment: unknown Experiment "atlass"; known: .*generic/);
  t.regex(r.stdout, /activity pw, copytool\[0\] "gfalcopy2": unknown SiteMover "gfalcopy2"; known: .*local \(cp, mv, lsm, objectstore\)/);
  t.regex(r.stdout, /config\.pluginOptions\.no-such-plugin: no loaded plugin is named "no-such-plugin"/);
});

test('check: malformed queuedata is reported field by field, exit 2', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const q = join(dir.path, 'q.json');
  await writeFile(q, JSON.stringify({ nickname: 'BAD', objectstore: 'root://host/', stageoutretry: 'often', acopytools: { pw: 'local', bogus: ['x'] } }));
  const r = await runCli(['check', '--queue', q]);
  t.is(r.code, 2);
  t.regex(r.stdout, /queuedata\.objectstore: expected "<url>\|eventservice/);
  t.regex(r.stdout, /queuedata\.stageoutretry: expected an integer from 1 to 9, got "often"/);
  t.regex(r.stdout, /queuedata\.acopytools\.bogus: expected an activity key/);
});

test('check: a plugin module that does not exist is named, exit 2', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({ plugins: ['./missing-mover.js'] }));
  const r = await runCli(['check', '--config', site]);
  t.is(r.code, 2);
  t.true(r.stdout.includes(`missing-mover.js: file not found: ${join(dir.path, 'missing-mover.js')}`), r.stdout);
});

test('config --explain shows values with their layer', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({ eventService: { stageOutConcurrency: 7 }, queuedata: { stageoutretry: 4 } }));
  const r = await runCli(['config', '--queue', localQueue, '--config', site, '--explain', '--experiment', 'generic'], { env: { COPYTOOLIN: 'local' } });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /config\.eventService\.stageOutConcurrency\s+7\s+site:/);
  t.regex(r.stdout, /queuedata\.stageoutretry\s+4\s+site:/);
  t.regex(r.stdout, /queuedata\.corecount\s+4\s+queuedata:/);
  t.regex(r.stdout, /queuedata\.copytoolin\s+"local"\s+env/);
  t.regex(r.stdout, /config\.experiment\s+"generic"\s+cli/);
  t.regex(r.stdout, /config\.heartbeatS\s+1800\s+default/);
});

test('--help works everywhere', async (t) => {
  for (const args of [['--help'], ['check', '--help'], ['config', '--help'], ['plugins', '--help']]) {
    const r = await runCli(args);
    t.is(r.code, 0, args.join(' '));
    t.regex(r.stdout, /Usage: espilot/);
  }
});
