import test from 'ava';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const dist = (p: string) => join(root, 'dist', p);
const lines = (out: string, tag: string) => out.split('\n').filter((l) => l.startsWith(`${tag} `));

test('a built-in mover passes every SiteMover check against a temporary file:// store, tamper check included', async (t) => {
  const r = await runCli(['conformance', dist('plugins/mover-local/index.js')]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(lines(r.stdout, 'PASS').length, 8, r.stdout);
  t.true(lines(r.stdout, 'PASS').some((l) => /SiteMover local: tampered object detected/.test(l)));
  t.deepEqual([...lines(r.stdout, 'FAIL'), ...lines(r.stdout, 'SKIP')], []);
  t.regex(r.stdout, /ChecksumStore local: no conformance suite for ChecksumStore/);
  t.regex(r.stdout, /conformance: 8 passed, 0 failed, 0 not run \(SiteMover local\)/);
});

test('an experiment passes the Experiment checks (commands executed by the direct launcher)', async (t) => {
  const r = await runCli(['conformance', '--contract', 'Experiment', dist('plugins/experiment-generic/index.js')]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(lines(r.stdout, 'PASS').length, 9, r.stdout);
  t.regex(r.stdout, /conformance: 9 passed, 0 failed, 0 not run \(Experiment generic\)/);
});

test('a mover that keeps no checksum fails, named per check, with exit 1; a non-file storage cannot be tampered with', async (t) => {
  const store = await tempDir('espilot-conf-dirstore-');
  t.teardown(() => store.remove());
  const r = await runCli(['conformance', join(root, 'dist/test/fixtures/plugins/dirstore-mover.js'), '--url', `dirstore://${store.path}`]);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.true(lines(r.stdout, 'FAIL').some((l) => /^FAIL SiteMover dirstore: put, stat with recorded checksum, get byte-identical — adler32 recorded or computed by the storage/.test(l)), r.stdout);
  t.true(lines(r.stdout, 'SKIP').some((l) => /tampered object detected .* — no way to change stored bytes/.test(l)), r.stdout);
  t.regex(r.stdout, /conformance: \d+ passed, [1-9]\d* failed, 1 not run \(SiteMover dirstore\)/);
});

test('the site file gives the mover its options; a mover of another scheme needs --url of that scheme', async (t) => {
  const mover = join(root, 'examples/site-mover/acme-mover.js');
  const store = await tempDir('espilot-conf-acme-');
  t.teardown(() => store.remove());
  const site = join(store.path, 'site.json');
  await writeFile(site, JSON.stringify({ plugins: [mover], pluginOptions: { acme: { root: join(store.path, 'objects') } } }));
  const noUrl = await runCli(['conformance', '-c', site, mover]);
  t.is(noUrl.code, 2);
  t.regex(noUrl.stdout, /error: SiteMover acme handles acme:\/\/; give --url <base>/);
  const wrongScheme = await runCli(['conformance', '-c', site, mover, '--url', pathToFileURL(store.path).href]);
  t.is(wrongScheme.code, 2);
  t.regex(wrongScheme.stdout, /error: --url: SiteMover acme handles acme, not file/);
  // The example keeps its objects under pluginOptions.acme.root of the site file.
  const ok = await runCli(['conformance', '-c', site, mover, '--url', 'acme:///conformance']);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /conformance: 7 passed, 0 failed, 1 not run \(SiteMover acme\)/);
  t.true(existsSync(join(store.path, 'objects')), 'the objects went where the site file said');
});

test('bad input is a plain error with exit 2', async (t) => {
  const contract = await runCli(['conformance', '--contract', 'Mover', dist('plugins/mover-local/index.js')]);
  t.is(contract.code, 2);
  t.regex(contract.stdout, /error: --contract: expected one of SiteMover, Experiment, got "Mover"/);
  const none = await runCli(['conformance', '--contract', 'Experiment', dist('plugins/mover-local/index.js')]);
  t.is(none.code, 2);
  t.regex(none.stdout, /error: no Experiment plugin in/);
  const missing = await runCli(['conformance', './no-such-mover.js']);
  t.is(missing.code, 2);
  t.regex(missing.stdout, /error: plugin module \.\/no-such-mover\.js: file not found: .*\/no-such-mover\.js/);
});
