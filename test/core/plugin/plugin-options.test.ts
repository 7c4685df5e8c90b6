import test from 'ava';
import {
  ConfigError, Experiment, FieldReader, PLUGIN_API_VERSION, formatIssue, parsePluginOptions, preflight, validatePluginOptions,
  type ConfigIssue, type PluginDescriptor,
} from '../../../core/index.js';
import { makeRun } from '../../helpers/make-run.js';

const localQueue = { acopytools: { pr: ['local'], pw: ['local'] }, astorages: { pr: ['SE'], pw: ['SE'] }, ddmendpoints: { SE: { endpoint: 'file:///tmp/espilot-se' } } };

test('a typo in the options of a plugin that is not selected is an error with a did-you-mean', async (t) => {
  const run = await makeRun({ cli: { queuedata: localQueue, pilot: { pluginOptions: {
    's3-objectstore': { maxSocket: 3, maxAttempts: 0 },
    gfal2: { timeout: { bases: 10 } },
  } } } });
  t.teardown(() => run.dispose());
  const problems = validatePluginOptions(run.settings, run.registry);
  t.deepEqual(problems.map((p) => `${p.where}: ${p.message}`).sort(), [
    'config.pluginOptions.gfal2.timeout.bases: unknown key (did you mean "baseS"?)',
    'config.pluginOptions.s3-objectstore.maxAttempts: expected an integer from 1 to 10, got number 0',
    'config.pluginOptions.s3-objectstore.maxSocket: unknown key (did you mean "maxSockets"?)',
  ]);
  t.deepEqual(preflight(run.settings, run.registry, run.resolver).map((p) => p.where).sort(), problems.map((p) => p.where).sort(), 'check reports them');
});

test('a section naming no loaded plugin keeps its problem, with the closest name', async (t) => {
  const run = await makeRun({ cli: { queuedata: localQueue, pilot: { pluginOptions: { 's3-objectstor': { maxSockets: 3 }, 'no-such-plugin': {} } } } });
  t.teardown(() => run.dispose());
  t.deepEqual(validatePluginOptions(run.settings, run.registry), [
    { where: 'config.pluginOptions.s3-objectstor', message: 'no loaded plugin is named "s3-objectstor" (did you mean "s3-objectstore"?)' },
    { where: 'config.pluginOptions.no-such-plugin', message: 'no loaded plugin is named "no-such-plugin"' },
  ]);
});

test('the options of a selected plugin are reported once, and refused when the plugin is created', async (t) => {
  const run = await makeRun({ cli: { queuedata: localQueue, pilot: { experiment: 'atlas', pluginOptions: { atlas: { tokenExtractr: '/bin/te' } } } } });
  t.teardown(() => run.dispose());
  const problems = preflight(run.settings, run.registry, run.resolver);
  t.is(problems.length, 1, JSON.stringify(problems));
  t.is(problems[0]!.where, 'config.experiment');
  t.regex(problems[0]!.message, /config\.pluginOptions\.atlas\.tokenExtractr: unknown key \(did you mean "tokenExtractor"\?\)/);
  const e = t.throws(() => run.resolver.get(Experiment, 'atlas'), { instanceOf: ConfigError });
  t.deepEqual(e!.issues.map(formatIssue), ['config.pluginOptions.atlas.tokenExtractr: unknown key (did you mean "tokenExtractor"?)']);
});

function descriptor(options: (raw: unknown) => unknown): PluginDescriptor {
  return { provides: Experiment, name: 'probe', options, apiVersion: PLUGIN_API_VERSION };
}

function fieldParser(read: (r: FieldReader) => unknown) {
  return (raw: unknown) => {
    const issues: ConfigIssue[] = [];
    const value = read(FieldReader.of('', raw, issues));
    if (issues.length) throw new ConfigError(issues);
    return value;
  };
}

test('a parser taking a free-form map (raw, or keys()) accepts whatever is in it; its other keys are still checked', (t) => {
  const d = descriptor(fieldParser((r) => {
    const env = r.raw('env');
    const m = r.object('aliases');
    return { env, aliases: Object.fromEntries(m.keys().map((k) => [k, m.string(k)])), mode: r.string('mode', 'a') };
  }));
  t.deepEqual(parsePluginOptions(d, { env: { ANY_NAME: 'x' }, aliases: { gsiftp: 'gfal2' }, mode: 'b' }), { env: { ANY_NAME: 'x' }, aliases: { gsiftp: 'gfal2' }, mode: 'b' });
  const e = t.throws(() => parsePluginOptions(d, { env: {}, mdoe: 'b' }), { instanceOf: ConfigError });
  t.deepEqual(e!.issues.map(formatIssue), ['config.pluginOptions.probe.mdoe: unknown key (did you mean "mode"?)']);
});

test('bad values and unknown keys of one section come together; a frozen section is fine; a parser not using FieldReader is not judged', (t) => {
  const d = descriptor(fieldParser((r) => r.int('count', { min: 1 }, 1)));
  const e = t.throws(() => parsePluginOptions(d, Object.freeze({ count: 0, cuont: 2 })), { instanceOf: ConfigError });
  t.deepEqual(e!.issues.map((i) => i.path), ['config.pluginOptions.probe.count', 'config.pluginOptions.probe.cuont']);
  t.is(parsePluginOptions(d, undefined), 1);
  t.deepEqual(parsePluginOptions(descriptor((raw) => ({ ...(raw as object) })), { own: 'parsing' }), { own: 'parsing' });
});
