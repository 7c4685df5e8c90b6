/**
 * An ES job as a site runs it: its inputs staged in from the storage element (`pr`), a
 * PoolFileCatalog in the job directory, a PFN on every range the payload gets (the simulator
 * reads its input through it and fails the range otherwise), its log stored to `pl` and
 * copied to the object store, `objstoreID` on every finished range, and a range the server
 * refuses not counted. Real dispatcher, client, channel, movers and payload simulator.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ErrorCodes, PandaApi, POOL_FILE_CATALOG, type PandaApi as PandaApiT } from '../../../core/index.js';
import { ES_STORE_ID, EsJobHarness, dispatchedIds, esTask, finalReports, inputBytes } from '../../helpers/es-job-harness.js';

const run = promisify(execFile);

test.serial('inputs are staged, the PoolFileCatalog lists them, every range carries a readable PFN, the log is stored to pl and the object store, finished ranges name their store', async (t) => {
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 801, files: 2, events: 3, simulatorArgs: '--workers=2 --requirePfn' }),
    queuedata: (store) => ({
      ddmendpoints: {
        OS_ES: { endpoint: pathToFileURL(join(store, 'es')).href, id: ES_STORE_ID },
        OS_LOGS: { endpoint: pathToFileURL(join(store, 'logs')).href, id: 4712 },
      },
      astorages: { es_events: ['OS_ES'], pls: ['OS_LOGS'] },
      catchall: 'log_to_objectstore',
    }),
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'finished', pilotErrorCode: 0, nEvents: 6, nEventsFailed: 0 });

  // Inputs: local copies with the SE's bytes.
  for (const f of job.inputFiles) t.is(await readFile(join(h.workdir, f.lfn), 'utf8'), inputBytes(f.lfn), f.lfn);
  // PoolFileCatalog: GUID → the staged copy (pilot3's layout: the LFN, the payload runs in the job directory).
  const pfc = await readFile(join(h.workdir, POOL_FILE_CATALOG), 'utf8');
  t.true(pfc.startsWith('<?xml version="1.0" ?>\n<!DOCTYPE POOLFILECATALOG SYSTEM "InMemory">\n<POOLFILECATALOG>\n'));
  const entries = [...pfc.matchAll(/<File ID="([^"]+)">\s*<physical>\s*<pfn filetype="ROOT_All" name="([^"]+)"\/>\s*<\/physical>\s*<logical\/>\s*<\/File>/g)].map((m) => [m[1], m[2]]);
  t.deepEqual(entries, job.inputFiles.map((f) => [f.guid, f.lfn]));

  // Every range the payload got had a PFN it could read (--requirePfn fails the range otherwise): all finished.
  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  t.is(ids.length, 6);
  for (const id of ids) t.deepEqual(finalReports(s).get(id), ['finished'], id);
  const journal = await h.journal();
  for (const r of journal.ranges.values()) {
    t.is(r.range.wire['PFN'], join(h.workdir, r.range.lfn), r.range.id);
    t.true(existsSync(String(r.range.wire['PFN'])));
  }
  // objstoreID: every finished range names the ES store's endpoint id.
  const finished = s.rangeUpdates.filter((u) => u.eventStatus === 'finished');
  t.is(finished.length, 6);
  t.true(finished.every((u) => u.objstoreId === ES_STORE_ID), JSON.stringify(finished.map((u) => u.objstoreId)));

  // The log: on the SE (pl) and copied to the object store (pls), without inputs or range outputs.
  const logLfn = job.logFile!.lfn;
  const stored = join(h.store, 'se', logLfn);
  t.true(existsSync(stored), 'log on the storage element');
  t.deepEqual(await readFile(join(h.store, 'logs', logLfn)), await readFile(stored), 'log copy in the object store');
  const { stdout } = await run('tar', ['-tzf', stored]);
  const members = stdout.split('\n').filter(Boolean);
  t.true(members.includes(POOL_FILE_CATALOG), members.join(' '));
  t.false(members.some((m) => job.inputFiles.some((f) => m.endsWith(f.lfn))), 'no input in the log');
  t.false(members.some((m) => m.includes(`${job.outputFiles[0]!.lfn}.`)), 'no range output in the log');
});

test.serial('direct access (queue direct_access_lan, job transferType=direct): nothing is copied, the catalogue and every range carry the TURL the payload reads', async (t) => {
  const h = await EsJobHarness.start({
    task: { ...esTask({ taskId: 804, files: 2, events: 2, simulatorArgs: '--workers=2 --requirePfn' }), job: { transferType: 'direct' } },
    queuedata: (store) => ({
      ddmendpoints: { OS_ES: { endpoint: pathToFileURL(join(store, 'es')).href, id: ES_STORE_ID } }, astorages: { es_events: ['OS_ES'] }, direct_access_lan: true,
    }),
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const turl = (lfn: string) => pathToFileURL(join(h.store, 'se', lfn)).href;
  t.deepEqual(h.run.resolver.services.settings.queue.directAccessLan, true);
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'finished', nEvents: 4 });
  for (const f of job.inputFiles) t.false(existsSync(join(h.workdir, f.lfn)), `${f.lfn} not copied`);
  const pfc = await readFile(join(h.workdir, POOL_FILE_CATALOG), 'utf8');
  for (const f of job.inputFiles) t.true(pfc.includes(`<File ID="${f.guid}">\n    <physical>\n      <pfn filetype="ROOT_All" name="${turl(f.lfn)}"/>`), pfc);
  for (const r of (await h.journal()).ranges.values()) t.is(r.range.wire['PFN'], turl(r.range.lfn));
  for (const id of dispatchedIds(h.snapshot(), job.pandaId)) t.deepEqual(finalReports(h.snapshot()).get(id), ['finished'], id);
});

test.serial('PFNs pointing at nothing: the transform-like payload cannot read its input and fails every range (the checks above can fail)', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 805, files: 1, events: 2, simulatorArgs: '--workers=1 --requirePfn' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  // The SE copy is staged, then removed before any range is served: every PFN points at nothing.
  const real = h.panda;
  const panda: PandaApiT = Object.assign(Object.create(real) as PandaApiT, {
    getEventRanges: async (req: Parameters<PandaApiT['getEventRanges']>[0]) => {
      for (const f of job.inputFiles) await rm(join(h.workdir, f.lfn), { force: true });
      return real.getEventRanges(req);
    },
  });
  h.run.resolver.provide(PandaApi, panda);
  const outcome = await h.runJob(job);
  t.is(outcome.nEvents, 0);
  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  t.is(ids.length, 2);
  for (const id of ids) t.deepEqual(finalReports(s).get(id), ['failed'], id);
});

test.serial('an input missing on the storage element fails the job with the stage-in code before the payload starts', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 802, files: 2, events: 2, simulatorArgs: '--requirePfn' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  await rm(join(h.store, 'se', job.inputFiles[1]!.lfn));
  const outcome = await h.runJob(job);
  t.is(outcome.state, 'failed');
  t.not(outcome.pilotErrorCode, 0);
  t.regex(outcome.pilotErrorDiag, new RegExp(job.inputFiles[1]!.lfn.replace(/\./g, '\\.')));
  t.deepEqual(dispatchedIds(h.snapshot(), job.pandaId), [], 'no range was fetched for a payload that never ran');
  // Its log is stored all the same.
  t.true(existsSync(join(h.store, 'se', job.logFile!.lfn)));
});

test.serial('ranges the server refuses are not counted: the job is failed with 1240 and nEvents counts only what the server accepted', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 803, files: 1, events: 4, coreCount: 2, simulatorArgs: '--workers=2' }) });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  // Once the ranges are handed out, the job leaves the states panda-server takes range
  // updates in (its `holding` record from another client): every final report is refused.
  const real = h.panda;
  let moved = false;
  const panda: PandaApiT = Object.assign(Object.create(real) as PandaApiT, {
    getEventRanges: async (req: Parameters<PandaApiT['getEventRanges']>[0]) => {
      const ranges = await real.getEventRanges(req);
      if (ranges.length && !moved) {
        moved = true;
        await real.updateJob({ pandaId: job.pandaId, state: 'holding' });
      }
      return ranges;
    },
  });
  h.run.resolver.provide(PandaApi, panda);
  const outcome = await h.runJob(job);
  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  t.is(ids.length, 4);
  const refused = s.rangeUpdates.filter((u) => u.eventStatus === 'finished' && u.result === false);
  t.is(refused.length, 4, 'the dispatcher refused every final report');
  t.like(outcome, { state: 'failed', pilotErrorCode: ErrorCodes.ESMESSAGESERVER, nEvents: 0 });
  t.regex(outcome.pilotErrorDiag, /refused the final status of 4 range\(s\) \(4 event\(s\)\)/);
});
