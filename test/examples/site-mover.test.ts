import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SiteMover, moverNamesFor, preflight, type SiteMover as Mover } from '../../core/index.js';
import { siteMoverConformance } from '../conformance/site-mover.conformance.js';
import { makeRun } from '../helpers/make-run.js';
import { tempDir } from '../helpers/temp-dir.js';

// The example compiles in place (examples/tsconfig.json), like a site's own plugin.
const siteConfig = join(fileURLToPath(new URL('.', import.meta.url)), '../../../examples/site-mover/site.json');

async function acmeRun(root: string) {
  return makeRun({ configPath: siteConfig, cli: { pilot: { pluginOptions: { acme: { root } } } } });
}

test('the site config loads the example mover and selects it for pw', async (t) => {
  const store = await tempDir();
  const run = await acmeRun(store.path);
  t.teardown(async () => { await run.dispose(); await store.remove(); });
  t.deepEqual(moverNamesFor(run.settings.queue, 'pw'), ['acme', 'local']);
  const entry = run.registry.find(SiteMover, 'acme');
  t.regex(entry.module, /examples\/site-mover\/acme-mover\.js$/);
  t.deepEqual(preflight(run.settings, run.registry, run.resolver).filter((p) => p.where.includes('pw')), []);
});

test('bad options of the example mover are reported with their path', async (t) => {
  const run = await makeRun({ configPath: siteConfig, cli: { pilot: { pluginOptions: { acme: { root: 'relative/dir' } } } } });
  t.teardown(() => run.dispose());
  const problems = preflight(run.settings, run.registry, run.resolver);
  t.true(problems.some((p) => /config\.pluginOptions\.acme\.root: expected an absolute directory path, got "relative\/dir"/.test(p.message)), JSON.stringify(problems));
});

siteMoverConformance(test, 'examples/site-mover (acme)', async () => {
  const store = await tempDir('espilot-acme-');
  const run = await acmeRun(store.path);
  return {
    mover: run.resolver.get<Mover>(SiteMover, 'acme'),
    baseUrl: 'acme:///es',
    tamper: (url, bytes) => writeFile(join(store.path, url.slice('acme://'.length)), bytes),
    teardown: async () => { await run.dispose(); await store.remove(); },
  };
});
