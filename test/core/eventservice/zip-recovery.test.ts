/**
 * Recovery of a job with zipped outputs: the pilot stored its premerge zips and journaled every
 * range as stored in one, but the server never acknowledged a report (updateEventRanges
 * black-holed), so the job ended `holding`. The recovery checks each zip in the object store
 * as recorded and resends the reports exactly as the live pilot built them: version 1 chunks
 * with the zipFile. A zip gone from the store fails its ranges; the others are finished.
 */
import test from 'ava';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readRangeJournal, recoverJobs } from '../../../core/index.js';
import { finalReports } from '../../helpers/es-job-harness.js';
import { heldEsJob } from '../../helpers/held-es-job.js';

test('a held job\'s zipped ranges are reported from the journal in version-1 chunks; a zip missing from the store fails its ranges', async (t) => {
  const { site, dispatcher, run, api, result, journalPath } = await heldEsJob(t, { taskId: 971, events: 6, eventService: { zipOutputs: { enabled: true, maxRanges: 3 } } });
  t.like(result.jobs[0]!.outcome, { state: 'holding', nEvents: 6 }, result.jobs[0]!.outcome.pilotErrorDiag);
  dispatcher.clearFaults();

  const snap = await readRangeJournal(journalPath);
  const zipOf = new Map([...snap.ranges].map(([id, s]) => [id, s.stored?.[0]?.zip?.lfn]));
  const zips = [...new Set(zipOf.values())];
  t.is(zips.length, 2, 'six ranges, three per zip');
  t.true(zips.every((z) => z !== undefined && /^EventService_premerge_.+\.zip$/.test(z)));
  const [lost, kept] = zips as [string, string];
  await rm(join(site.osDir, 'es', lost));

  const [r] = await recoverJobs(run, api, site.workdir);
  t.like(r, { action: 'recovered', outcome: { state: 'failed', pilotErrorCode: 1137 } }, JSON.stringify(r?.outcome));
  const s = dispatcher.snapshot();
  const reports = finalReports(s);
  for (const [id, zip] of zipOf) t.deepEqual(reports.get(id), [zip === kept ? 'finished' : 'failed'], id);
  // Only the zip still in the store was named to the server (a version-1 chunk), once.
  t.deepEqual(s.files.filter((f) => f.type === 'zipoutput').map((f) => f.lfn), [kept]);
});
