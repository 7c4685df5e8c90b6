import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

test('check: typos in the site file and in a non-selected plugin\'s options name the path and the key meant, exit 2', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({
    '//': 'comments are fine',
    expermient: 'generic',
    pluginOptions: { 's3-objectstore': { maxSocket: 8 }, atlas: { athenaProcNumber: 'two' } },
  }));
  const r = await runCli(['check', '--config', site, '--queue', localQueue]);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stdout, /^3 problem\(s\):$/m);
  t.regex(r.stdout, /^  config\.expermient: unknown key \(did you mean "experiment"\?\)$/m);
  t.regex(r.stdout, /^  config\.pluginOptions\.s3-objectstore\.maxSocket: unknown key \(did you mean "maxSockets"\?\)$/m);
  t.regex(r.stdout, /^  config\.pluginOptions\.atlas\.athenaProcNumber: expected an integer from 1 to 4096, got "two"$/m);
});

test('check: a bad objectstore string does not hide the unknown copytools, nor a typo in the site file', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const q = join(dir.path, 'q.json');
  await writeFile(q, JSON.stringify({ nickname: 'BAD', objectstore: 'root://host/', acopytools: { pw: ['gfalcopy2', 'local'], pr: ['local'] }, cloud: 'CERN' }));
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({ heartbeat: 60 }));
  const r = await runCli(['check', '--queue', q, '--config', site]);
  t.is(r.code, 2);
  t.regex(r.stdout, /queuedata\.objectstore: expected "<url>\|eventservice/);
  t.regex(r.stdout, /activity pw, copytool\[0\] "gfalcopy2": unknown SiteMover "gfalcopy2"/);
  t.regex(r.stdout, /config\.heartbeat: unknown key \(did you mean "heartbeatS"\?\)/);
  t.notRegex(r.stdout, /cloud/, 'queuedata fields the pilot does not read are no problem');
});

test('--version prints the version of the installed package', async (t) => {
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const r = await runCli(['--version']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${version}\n`);
});

test('mistakes in flags and paths are plain messages: one espilot: prefix, no pilot error code, exit 2', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({ plugins: ['./missing-mover.js'] }));
  for (const [args, message] of [
    [['run', '--config', site], /^espilot: plugin module .*missing-mover\.js: file not found: .*missing-mover\.js\n$/],
    [['run', '--config', join(root, 'no-such-site.json')], /^espilot: invalid configuration: --config: expected an existing JSON file, got ".*no-such-site\.json"\n$/],
    [['run', '--dry-run', '--job-file', join(root, 'no-such-job.json'), '--queue', localQueue], /^espilot: invalid configuration: --job-file: expected an existing JSON file, got ".*no-such-job\.json"\n$/],
    [['report', join(root, 'no-such-dir')], /^espilot: report: <dir>: expected a readable directory, got .*ENOENT\n$/],
    [['run', '--job-file', localQueue, '--queue', localQueue], /^espilot: run: --job-file: only with --dry-run: a run takes its jobs from the server\n$/],
    [['run', '--lifetime', '5', '--time-limit', '6', '--queue', localQueue], /^espilot: run: --time-limit: is an alias of --lifetime; both given with different values \(5 and 6\)\n$/],
    [['run', '--lifetime', 'soon', '--queue', localQueue], /^espilot: run: --lifetime: expected a positive integer, got "soon"\n$/],
    [['run', '--dry-run', '--job-file', site, '--queue', localQueue], /^espilot: invalid job definition:\n  job\.PandaID: expected a numeric PandaID, got nothing\n/],
  ] as const) {
    const r = await runCli(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
    t.notRegex(r.stderr, /\[[A-Z]+ \(\d+\)\]|espilot: espilot|internal error/, args.join(' '));
  }
  const unknown = await runCli(['run', '--no-such-flag']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /^error: unknown option '--no-such-flag'/);
});

test('run --dry-run without --job-file is refused before any server is asked for a job', async (t) => {
  let requests = 0;
  const server = createServer((_req, res) => { requests++; res.end(''); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = await runCli(['run', '--dry-run', '--server', url, '--queue', localQueue]);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stderr, /^espilot: run: --dry-run: needs --job-file <getJob reply\.json>: a dry run never takes a job from the server, which would count it as dispatched\n$/);
  t.is(requests, 0);
});

for (const flag of ['--lifetime', '--time-limit']) {
  test(`run ${flag} 30: less than lifetime.minJobTimeS (600 s) left, so no job is asked for`, async (t) => {
    let requests = 0;
    const server = createServer((_req, res) => { requests++; res.end(''); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const dir = await tempDir();
    t.teardown(dir.remove);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await runCli(['run', flag, '30', '--server', url, '--queue', localQueue, '--workdir', dir.path, '--no-recover']);
    t.is(r.code, 0, r.stdout + r.stderr);
    t.regex(r.stdout + r.stderr, /no new job: pilot lifetime: .* \(lifetime 30 s, margin 180 s\), less than the 600 s a job needs/);
    t.is(requests, 0);
  });
}

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

test('config --explain marks the queuedata fields the pilot does not read', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const q = join(dir.path, 'q.json');
  await writeFile(q, JSON.stringify({ nickname: 'X', cloud: 'CERN', ddmendpoints: { OS: { endpoint: 's3://h:1', rse_type: 'DISK' } } }));
  const r = await runCli(['config', '--queue', q, '--explain']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^queuedata\.cloud\s+"CERN"\s+queuedata:\S+ \(ignored: espilot does not read it\)$/m);
  t.regex(r.stdout, /^queuedata\.ddmendpoints\.OS\.rse_type\s+"DISK"\s+queuedata:\S+ \(ignored/m);
  t.regex(r.stdout, /^queuedata\.ddmendpoints\.OS\.endpoint\s+"s3:\/\/h:1"\s+queuedata:\S+$/m);
  t.regex(r.stdout, /^queuedata\.nickname\s+"X"\s+queuedata:\S+$/m);
});

test('--help works everywhere', async (t) => {
  for (const args of [['--help'], ['check', '--help'], ['config', '--help'], ['plugins', '--help']]) {
    const r = await runCli(args);
    t.is(r.code, 0, args.join(' '));
    t.regex(r.stdout, /Usage: espilot/);
  }
});
