import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Experiment, preflight, renderPayloadCommand, type Experiment as Exp } from '../../core/index.js';
import { experimentConformance } from '../conformance/experiment.conformance.js';
import { makeRun } from '../helpers/make-run.js';
import { esJob, mergeJob, queue } from '../helpers/sample-jobs.js';
import { tempDir } from '../helpers/temp-dir.js';

// The example compiles in place (examples/tsconfig.json), like an experiment's own plugin.
const siteConfig = join(fileURLToPath(new URL('.', import.meta.url)), '../../../examples/experiment/site.json');
const acmeRun = (setup = 'export ACME_READY=1') =>
  makeRun({ configPath: siteConfig, cli: { pilot: { pluginOptions: { 'acme-physics': { setup } } } } });

test('the site config loads the example experiment and makes it the pilot experiment', async (t) => {
  const run = await makeRun({ configPath: siteConfig });
  t.teardown(() => run.dispose());
  t.is(run.settings.pilot.experiment, 'acme-physics');
  t.regex(run.registry.find(Experiment, 'acme-physics').module, /examples\/experiment\/acme-experiment\.js$/);
  t.deepEqual(preflight(run.settings, run.registry, run.resolver).filter((p) => /experiment/.test(p.where)), []);
});

test('exact commands of the example for an ES job (both channel forms) and a merge job', async (t) => {
  const run = await makeRun({ configPath: siteConfig });
  t.teardown(() => run.dispose());
  const exp = run.resolver.get<Exp>(Experiment, 'acme-physics');
  const ctx = { workdir: '/work/job', queue: queue(), channelName: 'EventService_EventRanges-1' };
  const byArg = await renderPayloadCommand(exp, esJob({ transformation: 'acme-sim', jobParameters: '--events=10', coreCount: 4 }), ctx);
  t.is(byArg.text, 'ACME_THREADS=4\nPILOT_EVENTRANGECHANNEL=EventService_EventRanges-1\nsource /opt/acme/setup.sh; acme-sim --events=10 --event-channel=EventService_EventRanges-1');
  const byEnv = await exp.payloadCommand(esJob({ transformation: 'acme-sim', jobParameters: '--channel=$PILOT_EVENTRANGECHANNEL' }), ctx);
  t.is(byEnv.command, 'export PILOT_EVENTRANGECHANNEL="EventService_EventRanges-1"; source /opt/acme/setup.sh; acme-sim --channel=$PILOT_EVENTRANGECHANNEL');
  const dir = await tempDir();
  t.teardown(dir.remove);
  const merge = await exp.payloadCommand(mergeJob({ transformation: 'acme-merge' }), { workdir: dir.path, queue: queue() });
  t.is(merge.command, 'source /opt/acme/setup.sh; acme-merge @inputFor_HITS.01._000001.pool.root.1.txt --outputFile=HITS.01._000001.pool.root.1');
  t.is(await readFile(join(dir.path, 'inputFor_HITS.01._000001.pool.root.1.txt'), 'utf8'),
    `--inputFile\n${join(dir.path, 'HITS.01._000001.pool.root.1.1-2-3-4-1')}\n${join(dir.path, 'HITS.01._000001.pool.root.1.1-2-3-5-1')}\n`);
  t.deepEqual(exp.classifyPayloadError('ERR_ACME_CONFIG_GEOMETRY', 'x'), { code: 1228, status: 'fatal' });
});

experimentConformance(test, 'examples/experiment (acme-physics)', async () => {
  const run = await acmeRun();
  return { run, experiment: run.resolver.get<Exp>(Experiment, 'acme-physics'), teardown: () => run.dispose() };
});
