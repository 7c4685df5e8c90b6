import test from 'ava';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DuplicatePluginError, PluginLoadError, PluginNotFoundError, SiteMover, ChecksumStore, pilotPlugin, loadPlugins, CONTRACTS,
  PLUGIN_API_VERSION, readDescriptor,
} from '../../../core/index.js';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '../../fixtures/plugins');
const load = (name: string, builtins = false) => loadPlugins([join(fixtures, name)], { contracts: CONTRACTS, builtins });

test('built-ins load from the package manifest', async (t) => {
  const reg = await loadPlugins([], { contracts: CONTRACTS });
  t.is(reg.find(SiteMover, 'local').descriptor.name, 'local');
  t.is(reg.find(SiteMover, 'cp').descriptor.name, 'local', 'alias');
  t.is(reg.find(SiteMover, 'objectstore', 'file').descriptor.name, 'local', 'scheme alias');
  t.is(reg.find(ChecksumStore, 'local').descriptor.schemes?.[0], 'file');
});

test('a module with no plugin in it', async (t) => {
  const e = await t.throwsAsync(load('no-plugin.js'), { instanceOf: PluginLoadError });
  t.regex(e!.message, /no-plugin\.js: exports no class decorated with @pilotPlugin/);
  t.is(e?.code, 1342);
});

test('a wrong apiVersion', async (t) => {
  const e = await t.throwsAsync(load('wrong-api-version.js'), { instanceOf: PluginLoadError });
  t.regex(e!.message, /plugin "from-the-future" is built for plugin API version 99; this pilot provides version 1/);
});

test('a plugin name that is not kebab-case', async (t) => {
  const e = await t.throwsAsync(load('bad-name.js'), { instanceOf: PluginLoadError });
  t.regex(e!.message, /bad-name\.js: cannot be imported: .*name "BadName_Mover" is not kebab-case/);
});

test('a plugin path that does not exist', async (t) => {
  const e = await t.throwsAsync(load('nowhere.js'), { instanceOf: PluginLoadError });
  t.regex(e!.message, /nowhere\.js: file not found: .*fixtures\/plugins\/nowhere\.js/);
});

test('a module that throws on import', async (t) => {
  const e = await t.throwsAsync(load('throws-on-import.js'), { instanceOf: PluginLoadError });
  t.regex(e!.message, /cannot be imported: site plugin failed during import/);
});

test('two plugins with one name, within a module and against a built-in', async (t) => {
  const within = await t.throwsAsync(load('two-same-name.js'), { instanceOf: DuplicatePluginError });
  t.regex(within!.message, /SiteMover plugin name "twin" is claimed twice: by .*two-same-name\.js and by .*two-same-name\.js/);
  const builtin = await t.throwsAsync(load('duplicate-local.js', true), { instanceOf: DuplicatePluginError });
  t.regex(builtin!.message, /"local" is claimed twice: by builtin:dist\/plugins\/mover-local\/index\.js and by .*duplicate-local\.js/);
});

test('unknown names list the known ones', async (t) => {
  const reg = await loadPlugins([], { contracts: CONTRACTS });
  const e = t.throws(() => reg.find(SiteMover, 'gfalcopy2', undefined, 'activity pw'), { instanceOf: PluginNotFoundError });
  t.regex(e!.message, /unknown SiteMover "gfalcopy2" \(activity pw\); known: gfal2 \(gfal-copy, gfalcopy, gfal\), local \(cp, mv, lsm, objectstore\), rucio, s3-objectstore \(s3, objectstore\), xrootd-objectstore \(xrdcp, objectstore\)/);
  const byScheme = t.throws(() => reg.find(SiteMover, 'objectstore', 'gopher'), { instanceOf: PluginNotFoundError });
  t.regex(byScheme!.message, /objectstore" for scheme "gopher/);
});

test('the decorator records metadata and registers nothing globally', async (t) => {
  @pilotPlugin({ provides: SiteMover, name: 'inline', schemes: ['file'], apiVersion: PLUGIN_API_VERSION })
  class Inline {}
  t.is(readDescriptor(Inline)?.name, 'inline');
  const { container } = await import('tsyringe');
  t.false(container.isRegistered(SiteMover, true));
  t.false(container.isRegistered(Inline as never, true));
});
