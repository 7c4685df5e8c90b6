/**
 * An ES job with eventService.zipOutputs on, through the real parts (embedded dispatcher,
 * PanDA client, ZeroMQ channel, payload simulator, mover-local object store): the store holds
 * premerge zips whose entries are exactly the ranges' outputs, every range is reported finished
 * once in a version-1 chunk naming its zip, and the dispatcher registered each zip.
 */
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adler32, formatAdler32, rangeUpdateList, type EventRangeUpdate } from '../../../core/index.js';
import { ES_STORE_ID, EsJobHarness, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { readZipEntries } from '../../helpers/zip-reader.js';
import { verifySimulatorOutput } from '../../../plugins/payload-simulator/index.js';

test('zipped outputs: each zip holds exactly its ranges\' outputs, stored once, reported once with version 1 and its zipFile, registered by the dispatcher', async (t) => {
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 541, files: 2, events: 5, coreCount: 2, simulatorArgs: '--workers=3' }),
    eventService: { zipOutputs: { enabled: true, maxRanges: 4, maxWaitS: 30 } },
  });
  t.teardown(() => h.dispose());
  // What the client put on the wire (the dispatcher below proves it was read as version 1).
  const sent: ReturnType<typeof rangeUpdateList>[] = [];
  const orig = h.panda.updateEventRanges.bind(h.panda);
  h.panda.updateEventRanges = (updates: readonly EventRangeUpdate[], pandaId?: string) => {
    sent.push(rangeUpdateList(updates));
    return orig(updates, pandaId);
  };
  const job = await h.getJob();
  const outLfn = job.outputFiles[0]!.lfn;
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'finished', pilotErrorCode: 0, nEvents: 10, nEventsFailed: 0 }, outcome.pilotErrorDiag);

  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  t.is(ids.length, 10);
  const reports = finalReports(s);
  for (const id of ids) t.deepEqual(reports.get(id), ['finished'], id);
  t.true(s.rangeUpdates.every((u) => u.outcome === 'applied'));

  // The store holds zips only; together their entries are every range's output, once.
  const names = await h.storedNames();
  t.true(names.length >= 3 && names.every((n) => /^EventService_premerge_.+\.zip$/.test(n)), names.join(' '));
  const inZip = new Map<string, string>();
  for (const name of names) {
    const path = join(h.store, 'es', name);
    const entries = await readZipEntries(path);
    t.true(entries.length >= 1 && entries.length <= 4, `${name}: ${entries.length} entries, maxRanges 4`);
    t.is(name, `EventService_premerge_${entries[0]!.name.slice(outLfn.length + 1)}.zip`, 'named after its first range');
    for (const e of entries) {
      const id = e.name.slice(outLfn.length + 1);
      t.is(e.name, `${outLfn}.${id}`);
      t.false(inZip.has(id), `${id} zipped twice`);
      inZip.set(id, name);
      const v = verifySimulatorOutput(e.data, { eventRangeId: id, name: e.name });
      t.true(v.ok, `${e.name}: ${v.ok ? '' : v.reason}`);
    }
    // The dispatcher registered the zip (a version-1 chunk's zipFile) with the stored bytes' size and adler32.
    const bytes = await readFile(path);
    const reg = s.files.filter((f) => f.type === 'zipoutput' && f.lfn === name);
    t.is(reg.length, 1, `${name} registered once`);
    t.like(reg[0], { pandaId: job.pandaId, objstoreId: ES_STORE_ID, fsize: bytes.length, checksum: `ad:${formatAdler32(adler32(bytes))}`, pathConvention: 1000 });
  }
  t.deepEqual([...inZip.keys()].sort(), [...ids].sort());

  // On the wire: version 1, every range exactly once, inside the chunk of the zip holding its output.
  t.true(sent.length >= 1 && sent.every((r) => r.version === 1));
  const reported = new Map<string, string>();
  for (const r of sent) {
    for (const chunk of r.eventRanges as Array<{ zipFile?: Record<string, unknown>; eventRanges?: Array<Record<string, unknown>> }>) {
      t.truthy(chunk.zipFile, 'every finished range travels in a zip chunk');
      t.like(chunk.zipFile, { objstoreID: ES_STORE_ID, pathConvention: 1000 });
      for (const e of chunk.eventRanges ?? []) {
        t.is(e['eventStatus'], 'finished');
        reported.set(String(e['eventRangeID']), String(chunk.zipFile!['lfn']));
        t.is(chunk.zipFile!['numEvents'], [...inZip.values()].filter((z) => z === chunk.zipFile!['lfn']).length);
      }
    }
  }
  t.deepEqual([...reported.entries()].sort(), [...inZip.entries()].sort());

  // The journal says where each output lives (the zip), as a recovery would resend it.
  const journal = await h.journal();
  t.true(journal.closed);
  for (const [id, r] of journal.ranges) t.is(r.stored?.[0]?.zip?.lfn, inZip.get(id), id);
  // Stored zips leave the job directory (pilot3 removes its premerge archives before the log).
  t.deepEqual((await readdir(h.workdir)).filter((n) => n.startsWith('EventService_premerge_')), []);
});
