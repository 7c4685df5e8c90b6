import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FieldReader, FieldRecorder, PILOT_CONFIG_DOCS, PILOT_DEFAULTS, QUEUEDATA_DOCS, buildConfigReference, contractName, recordReads,
  type ConfigReference, type PluginOptionsSource,
} from '../../../core/index.js';
import { PLUGIN_OPTION_DOCS } from '../../../cli/reference/plugin-option-docs.js';
import { makeRun } from '../../helpers/make-run.js';
import { runCli } from '../../helpers/run-cli.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

async function builtinReference(): Promise<ConfigReference> {
  const run = await makeRun();
  try {
    const sources: PluginOptionsSource[] = run.registry.entries.flatMap((e) => (e.descriptor.options ? [{ plugin: e.descriptor.name, contract: contractName(e.descriptor.provides), parse: e.descriptor.options }] : []));
    return buildConfigReference(sources, PLUGIN_OPTION_DOCS);
  } finally {
    await run.dispose();
  }
}

const allEntries = (ref: ConfigReference) => [...ref.pilot, ...ref.queuedata, ...ref.plugins.flatMap((p) => p.entries)];

test('every pilot setting, queuedata field and built-in plugin option the parsers read has a description', async (t) => {
  const ref = await builtinReference();
  const missing = allEntries(ref).filter((e) => !e.description).map((e) => e.path);
  t.deepEqual(missing, [], `add descriptions beside the parsers (pilot-config-docs.ts, queuedata-docs.ts, cli/reference/plugin-option-docs.ts) for: ${missing.join(', ')}`);
  t.true(ref.pilot.length >= 30 && ref.queuedata.length >= 20);
  for (const p of ['event', 'zeromq', 'atlas', 'glexec']) t.true(ref.plugins.some((x) => x.plugin === p), `options of ${p}`);
});

test('no description is left over for a key the parsers no longer read', async (t) => {
  const read = new Set(allEntries(await builtinReference()).map((e) => e.path));
  const stale = [...Object.keys(PILOT_CONFIG_DOCS), ...Object.keys(QUEUEDATA_DOCS), ...Object.keys(PLUGIN_OPTION_DOCS)].filter((k) => !read.has(k));
  t.deepEqual(stale, []);
});

test('defaults in the reference are the built-in defaults', async (t) => {
  const ref = await builtinReference();
  const get = (path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], PILOT_DEFAULTS);
  for (const e of ref.pilot) {
    const d = get(e.path.slice('config.'.length));
    t.is(e.default, d === undefined ? '—' : JSON.stringify(d), e.path);
  }
  t.like(ref.queuedata.find((e) => e.path === 'queuedata.stageinretry'), { type: 'integer 1–9', default: '2' });
  t.like(ref.plugins.find((p) => p.plugin === 'event')!.entries.find((e) => e.path === 'pluginOptions.event.finalFlushS'), { type: 'number ≥ 0.1', default: '600' });
});

test('docs/configuration.md is what `espilot config --reference` generates (run `npm run docs` after changing a parser)', async (t) => {
  const r = await runCli(['config', '--reference']);
  t.is(r.code, 0, r.stderr);
  const committed = await readFile(join(root, 'docs/configuration.md'), 'utf8');
  t.is(committed, r.stdout);
  t.regex(r.stdout, /\| `config\.eventService\.stageOutConcurrency` \| integer 1–256 \| `4` \| /);
  t.regex(r.stdout, /\| `queuedata\.acopytools\.<activity>` \| list of strings/);
});

test('the recorder sees every read of a parser, nested sections included, and stays out of the document', (t) => {
  const rec = new FieldRecorder();
  const doc = recordReads({ size: 3 }, rec);
  t.deepEqual(Object.keys(doc), ['size']);
  t.is(JSON.stringify(doc), '{"size":3}');
  const r = FieldReader.of('x', doc, []);
  r.has('mode');
  r.oneOf('mode', ['a', 'b'] as const, 'a');
  r.int('size', { min: 1, max: 9 }, 2);
  r.object('nested').bool('flag', true);
  r.object('nested').stringList('names');
  t.deepEqual(rec.reads, [
    { path: 'x.mode', kind: 'oneOf', fallback: 'a', values: ['a', 'b'] },
    { path: 'x.size', kind: 'int', fallback: 2, min: 1, max: 9 },
    { path: 'x.nested.flag', kind: 'bool', fallback: true },
    { path: 'x.nested.names', kind: 'stringList' },
  ]);
  // Without a recorder nothing is noted and nothing changes.
  t.is(FieldReader.of('y', { size: 4 }, []).int('size', {}, 1), 4);
});
