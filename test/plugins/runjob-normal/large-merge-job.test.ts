/**
 * A merge job with more inputs than fit on a command line (~1,000 paths made `spawn E2BIG`),
 * through the real merge path: RunJob normal, the generic experiment, the local movers, the
 * merge simulator reading its `@inputFor_<LFN>.txt` list. Then a second attempt in the same
 * job directory: the inputs it has and can verify are kept, a damaged one is fetched again.
 */
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobControlSource, RunJob, bindJob, readStageInRecord, type RunJob as RunJobT } from '../../../core/index.js';
import { verifyMergedOutput } from '../../../plugins/payload-simulator/index.js';
import { prepareBigMerge } from '../../helpers/big-merge.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';

const INPUTS = 2500;

test(`a merge of ${INPUTS} inputs runs, stores a verified merged output, and a second attempt re-fetches only the damaged input`, async (t) => {
  const site = await localSite();
  const run = await makeRun({ extraLayers: [site.layer({ transfers: { backoffBaseMs: 1, backoffMaxMs: 5, stageInConcurrency: 8 } })], env: { PATH: process.env['PATH'] } });
  t.teardown(async () => { await run.dispose(); await site.remove(); });
  const merge = await prepareBigMerge(run, join(site.osDir, 'es'), INPUTS, 64);
  const workdir = join(site.workdir, 'PandaJob_merge');
  const runJob = run.resolver.get<RunJobT>(RunJob, 'normal');
  const attempt = () => runJob.run({ job: merge.job, workdir, control: new JobControlSource(), binding: bindJob(run.resolver, merge.job) });

  const first = await attempt();
  t.is(first.state, 'finished', `${first.pilotErrorCode}: ${first.pilotErrorDiag}`);
  const list = await readFile(join(workdir, `inputFor_${merge.outputLfn}.txt`), 'utf8');
  t.is(list.split('\n').length, INPUTS + 2, 'the list file: --inputFile, one path per input, final newline');
  const checkMerged = async () => {
    const v = verifyMergedOutput(await readFile(join(site.seDir, merge.outputLfn)));
    t.true(v.ok, JSON.stringify(v).slice(0, 300));
    if (v.ok) t.deepEqual(v.header.ranges.map((r) => `${merge.outputLfn}.${r.eventRangeID}`), merge.inputs);
  };
  await checkMerged();
  t.true((await readStageInRecord(workdir)).every((r) => !r.kept));

  // The second attempt finds every input in place; one was damaged in between (same size).
  const damaged = join(workdir, merge.inputs[1234]!);
  const bytes = await readFile(damaged);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  await writeFile(damaged, bytes);
  const second = await attempt();
  t.is(second.state, 'finished', `${second.pilotErrorCode}: ${second.pilotErrorDiag}`);
  const record = await readStageInRecord(workdir);
  t.is(record.length, INPUTS);
  t.deepEqual(record.filter((r) => !r.kept).map((r) => r.lfn), [merge.inputs[1234]]);
  await checkMerged();
});
