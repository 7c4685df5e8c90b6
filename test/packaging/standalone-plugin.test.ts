/**
 * The supported path for a plugin written outside the repository, walked as a site would:
 * pack espilot, install it in a folder outside the repo with examples/standalone-mover's
 * package.json and tsconfig.json, build the mover there with tsc, run `espilot conformance`
 * from the installed bin; then load the same mover from a second, separate pilot install
 * (two copies of espilot in one process: the plugin folder's and the pilot's).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp-dir.js';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const example = join(repo, 'examples/standalone-mover');
const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund'];
const KEEP_NPM = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_cafile', 'npm_config_registry']);

interface Result { readonly code: number; readonly stdout: string; readonly stderr: string }

function run(cmd: string, args: readonly string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    // A surrounding `npm test` sets npm_* variables (npm_config_local_prefix, npm_package_*) that
    // would point npm at the repository; where the cache and the registry are stays.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || KEEP_NPM.has(k.toLowerCase())));
    execFile(cmd, args, { cwd, env, timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function ok(cmd: string, args: readonly string[], cwd: string): Promise<Result> {
  const r = await run(cmd, args, cwd);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

let dir: { path: string; remove(): Promise<void> };
let tarball: string;
let files: string[];
let pluginDir: string;
let pilotDir: string;

test.before(async (t) => {
  t.timeout(480_000, 'npm pack and two npm installs');
  dir = await tempDir('espilot-standalone-');
  // `npm test` has just built dist/; packing must not rebuild it under the running tests.
  const packed = JSON.parse((await ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], repo)).stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(dir.path, packed[0]!.filename);
  files = packed[0]!.files.map((f) => f.path);

  // The site's plugin folder: the example as it is, espilot taken from the packed file.
  pluginDir = join(dir.path, 'site-plugin');
  await mkdir(pluginDir);
  for (const f of ['package.json', 'tsconfig.json', 'site.json', 'src']) await cp(join(example, f), join(pluginDir, f), { recursive: true });
  const manifest = JSON.parse(await readFile(join(pluginDir, 'package.json'), 'utf8'));
  manifest.devDependencies.espilot = `file:${tarball}`;
  await writeFile(join(pluginDir, 'package.json'), JSON.stringify(manifest, null, 2));

  // The pilot's own install, elsewhere.
  pilotDir = join(dir.path, 'pilot');
  await mkdir(pilotDir);
  await writeFile(join(pilotDir, 'package.json'), JSON.stringify({ name: 'site-pilot', private: true }));

  await ok('npm', INSTALL, pluginDir);
  await ok('npm', [...INSTALL, tarball], pilotDir);
  await ok(join(pluginDir, 'node_modules/.bin/tsc'), ['-p', '.'], pluginDir);
});

test.after.always(async () => {
  await dir?.remove();
});

test('the package ships the core, plugins, CLI, conformance suites and config, not tests or benchmarks', (t) => {
  for (const f of ['dist/core/index.js', 'dist/core/index.d.ts', 'dist/core/conformance/index.js', 'dist/cli/main.js', 'dist/plugins/mover-local/index.js', 'config/demo-task.json', 'README.md', 'package.json']) {
    t.true(files.includes(f), `${f} is in the package`);
  }
  t.deepEqual(files.filter((f) => /^dist\/(test|bench)\//.test(f) || f.endsWith('.tsbuildinfo') || /^(core|cli|plugins|test)\/.*\.ts$/.test(f)), []);
});

test('the mover builds outside the repo with only espilot (no tsyringe of its own) and passes `espilot conformance`', async (t) => {
  t.true(existsSync(join(pluginDir, 'dist/shared-fs-mover.js')));
  t.false(JSON.stringify(JSON.parse(await readFile(join(pluginDir, 'package.json'), 'utf8'))).includes('tsyringe'), 'the plugin declares no tsyringe');
  t.false(/from 'tsyringe'/.test(await readFile(join(pluginDir, 'src/shared-fs-mover.ts'), 'utf8')));
  const r = await run(join(pluginDir, 'node_modules/.bin/espilot'), ['conformance', 'dist/shared-fs-mover.js'], pluginDir);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(r.stdout.split('\n').filter((l) => l.startsWith('PASS SiteMover shared-fs: ')).length, 8, r.stdout);
  t.regex(r.stdout, /conformance: 8 passed, 0 failed, 0 not run \(SiteMover shared-fs\)/);
});

test('espilot/conformance is importable from the plugin folder and runs a check without a test framework', async (t) => {
  const script = [
    "import { runChecks, siteMoverChecks } from 'espilot/conformance';",
    "import { SharedFsMover } from './dist/shared-fs-mover.js';",
    "const out = await runChecks(siteMoverChecks.slice(0, 1), async () => ({ mover: new SharedFsMover({ fsync: false }, { debug() {} }), baseUrl: 'file://' + process.cwd() + '/store', teardown: async () => {} }));",
    'console.log(JSON.stringify(out.map((o) => [o.name, o.status, o.detail ?? null])));',
  ].join('\n');
  await writeFile(join(pluginDir, 'own-test.mjs'), script);
  const r = await run(process.execPath, ['own-test.mjs'], pluginDir);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), [['put, stat with recorded checksum, get byte-identical', 'pass', null]]);
});

test('two copies: the pilot install loads the mover built against the plugin folder\'s own espilot', async (t) => {
  const own = realpathSync(join(pluginDir, 'node_modules/espilot'));
  const pilots = realpathSync(join(pilotDir, 'node_modules/espilot'));
  t.not(own, pilots, 'two separate copies of espilot');
  const pilot = join(pilotDir, 'node_modules/.bin/espilot');
  const site = join(pluginDir, 'site.json');

  const listed = await run(pilot, ['plugins', '--config', site, '--json'], pilotDir);
  t.is(listed.code, 0, listed.stdout + listed.stderr);
  const row = (JSON.parse(listed.stdout) as Array<{ contract: string; name: string; module: string }>).find((p) => p.name === 'shared-fs');
  t.like(row, { contract: 'SiteMover', module: join(pluginDir, 'dist/shared-fs-mover.js') });

  const checked = await run(pilot, ['check', '--config', site], pilotDir);
  t.is(checked.code, 0, checked.stdout + checked.stderr);

  // Constructed by the pilot's container with the plugin's @inject tokens; its PilotErrors read by the pilot's copy.
  const conf = await run(pilot, ['conformance', '--config', site, join(pluginDir, 'dist/shared-fs-mover.js')], pilotDir);
  t.is(conf.code, 0, conf.stdout + conf.stderr);
  t.regex(conf.stdout, /conformance: 8 passed, 0 failed, 0 not run \(SiteMover shared-fs\)/);
});
