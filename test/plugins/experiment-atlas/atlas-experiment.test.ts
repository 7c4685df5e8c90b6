import test from 'ava';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, Experiment, PayloadLauncher, PilotError, type EventRange, type Experiment as Exp, type PayloadLauncher as Launcher,
} from '../../../core/index.js';
import { experimentConformance } from '../../conformance/experiment.conformance.js';
import { makeRun, type TestRun } from '../../helpers/make-run.js';
import { waitGone } from '../../helpers/process-state.js';
import { esJob, mergeJob, queue } from '../../helpers/sample-jobs.js';
import { tempDir } from '../../helpers/temp-dir.js';

let run: TestRun;
let atlas: Exp;
let launcher: Launcher;
let dir: { path: string; remove(): Promise<void> };
let teBin: string;
test.before(async () => {
  dir = await tempDir('espilot-atlas-');
  // TokenExtractor is ATLAS software that cannot run here: this stand-in records its arguments
  // and the input list it was given, then runs until signalled, like the real daemon.
  teBin = join(dir.path, 'TokenExtractor');
  await writeFile(teBin, '#!/bin/sh\necho "$TE_SETUP $@" > te.args\necho $$ > te.pid\nwhile :; do sleep 0.05; done\n', { mode: 0o755 });
  run = await makeRun({ cli: { pilot: { pluginOptions: { atlas: { tokenExtractor: teBin, tokenExtractorSetup: 'export TE_SETUP=done' } } } } });
  atlas = run.resolver.get<Exp>(Experiment, 'atlas');
  launcher = run.resolver.get<Launcher>(PayloadLauncher, 'direct');
});
test.after.always(async () => {
  await run.dispose();
  await dir.remove();
});

const ctx = (over: Record<string, unknown> = {}) => ({ workdir: dir.path, queue: queue({ corecount: 8 }), channelName: 'ch', ...over });

test('core-count check: a job needing more cores than the slot, or differing from a pinned ATHENA_PROC_NUMBER, is 1217', async (t) => {
  const big = await t.throwsAsync(atlas.payloadCommand(esJob({ coreCount: 16 }), ctx()), { instanceOf: PilotError });
  t.is(big?.code, ErrorCodes.CORECOUNTMISMATCH);
  t.regex(big!.message, /needs 16 cores but queue TEST_QUEUE offers 8/);
  const pinnedRun = await makeRun({ cli: { pilot: { pluginOptions: { atlas: { athenaProcNumber: 4 } } } } });
  t.teardown(() => pinnedRun.dispose());
  const pinned = pinnedRun.resolver.get<Exp>(Experiment, 'atlas');
  const err = await t.throwsAsync(pinned.payloadCommand(esJob({ coreCount: 8 }), ctx()), { instanceOf: PilotError });
  t.is(err?.code, ErrorCodes.CORECOUNTMISMATCH);
  t.regex(err!.message, /pins ATHENA_PROC_NUMBER=4/);
  t.deepEqual((await pinned.payloadCommand(esJob({ coreCount: 4 }), ctx())).env, { ATHENA_PROC_NUMBER: '4', ATHENA_CORE_NUMBER: '4', PILOT_EVENTRANGECHANNEL: 'ch' });
  // Merge_tf runs single-process whatever the job says; no check, no variables.
  t.deepEqual((await pinned.payloadCommand(mergeJob({ transformation: 'HITSMerge_tf.py', coreCount: 8 }), ctx())).env, {});
});

test('bad ATLAS options are reported with their path', async (t) => {
  const bad = await makeRun({ cli: { pilot: { pluginOptions: { atlas: { athenaProcNumber: 0, releaseSetup: 'zip' } } } } });
  t.teardown(() => bad.dispose());
  const err = t.throws(() => bad.resolver.get(Experiment, 'atlas'));
  t.regex(err!.message, /athenaProcNumber/);
  t.regex(err!.message, /releaseSetup/);
});

test('cleanup removes core, pool.root and tmp. files under athenaMP-workers-*, nothing else', async (t) => {
  const w = join(dir.path, 'clean');
  const worker = join(w, 'athenaMP-workers-Sim-sim', 'worker_1');
  await mkdir(worker, { recursive: true });
  for (const f of ['core.77', 'myHITS.pool.root_000.Range-6', 'tmp.Xyz', 'AthenaMP.log']) await writeFile(join(worker, f), 'x');
  await writeFile(join(w, 'HITS.pool.root.1.Range-6'), 'keep');
  await writeFile(join(w, 'core'), 'x');
  await atlas.cleanup(w);
  t.deepEqual(await readdir(worker), ['AthenaMP.log']);
  t.deepEqual(await readdir(w), ['HITS.pool.root.1.Range-6', 'athenaMP-workers-Sim-sim'].sort());
});

test('ERR_TE_* diagnostics map to 1229–1233 (fatal)', (t) => {
  t.deepEqual(atlas.classifyPayloadError('ERR_TE_FATAL', 'No tokens for GUID 12'), { code: ErrorCodes.TEWRONGGUID, status: 'fatal' });
  t.deepEqual(atlas.classifyPayloadError('ERR_TE_FATAL', 'boom'), { code: ErrorCodes.TEFATAL, status: 'fatal' });
});

const range = (id: string, guid: string, lfn: string): EventRange => ({ id, startEvent: 1, lastEvent: 1, lfn, guid, wire: {} });

test('Token Extractor: not started unless the job asks for it', async (t) => {
  const helpers = await atlas.startPayloadHelpers!(esJob({ jobParameters: '--x' }), { ...ctx(), launcher, env: {} });
  t.deepEqual(helpers, []);
});

test('Token Extractor: started with its list, extended with new GUIDs, its death is TEFATAL (1229)', async (t) => {
  const w = join(dir.path, 'te');
  await mkdir(w);
  const job = esJob({ jobParameters: '--preExec "UseTokenExtractor=True"', inputFiles: [{ lfn: 'EVNT.1', guid: 'aa-11' }] });
  const [te] = await atlas.startPayloadHelpers!(job, { ...ctx({ workdir: w }), launcher, env: { PATH: '/usr/bin:/bin' } });
  t.teardown(() => te?.stop());
  t.is(te?.name, 'token-extractor');
  await te!.addRanges([range('r1', 'BB-22', 'EVNT.2'), range('r2', 'aa-11', 'EVNT.1'), { ...range('r3', 'cc-33', 'EVNT.3'), pfn: '/direct/EVNT.3' }]);
  const list = join(w, 'tokenextractor_input_list.txt');
  t.is(await readFile(list, 'utf8'), `AA-11,PFN:${w}/EVNT.1\nBB-22,PFN:${w}/EVNT.2\nCC-33,PFN:/direct/EVNT.3\n`);
  const pid = Number(await poll(() => readFile(join(w, 'te.pid'), 'utf8')));
  t.is((await readFile(join(w, 'te.args'), 'utf8')).trim(), `done -v --source ${list}`, 'the setup ran first, then the extractor with its list');
  process.kill(pid, 'SIGKILL');
  const died = await te!.died;
  t.is(died.code, ErrorCodes.TEFATAL);
  t.regex(died.message, /Token Extractor .* ended while the payload ran: (signal SIGKILL|exit code 137)/);
  await te!.stop();
});

test('Token Extractor: stop() ends it without reporting a death', async (t) => {
  const w = join(dir.path, 'te-stop');
  await mkdir(w);
  const [te] = await atlas.startPayloadHelpers!(esJob({ transformation: 'TokenScatterer.py' }), { ...ctx({ workdir: w }), launcher, env: { PATH: '/usr/bin:/bin' } });
  t.teardown(() => te?.stop());
  const pid = Number(await poll(() => readFile(join(w, 'te.pid'), 'utf8')));
  let reported = false;
  void te!.died.then(() => { reported = true; });
  await te!.stop();
  t.true(await waitGone(pid));
  await new Promise((r) => setTimeout(r, 50));
  t.false(reported);
});

test('Token Extractor that cannot be started is TEFATAL (1229)', async (t) => {
  const err = await t.throwsAsync(atlas.startPayloadHelpers!(esJob({ transformation: 'TokenScatterer.py' }), { ...ctx({ workdir: join(dir.path, 'missing') }), launcher, env: {} }), { instanceOf: PilotError });
  t.is(err?.code, ErrorCodes.TEFATAL);
});

async function poll<T>(fn: () => Promise<T>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v !== '' as unknown) return v;
    } catch (err) {
      if (Date.now() > until) throw err;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

experimentConformance(test, 'atlas', async () => {
  const r = await makeRun();
  return { run: r, experiment: r.resolver.get<Exp>(Experiment, 'atlas'), teardown: () => r.dispose() };
});
