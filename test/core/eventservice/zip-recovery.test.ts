/**
 * Recovery of a job with zipped outputs: the pilot stored its premerge zips and journaled every
 * range as stored in one, but the server never acknowledged a report (updateEventRanges
 * black-holed), so the job ended `holding`. The recovery checks each zip in the object store
 * as recorded and resends the reports exactly as the live pilot built them: version 1 chunks
 * with the zipFile. A zip gone from the store fails its ranges; the others are finished.
 */
import test from 'ava';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_FILE, PandaClient, readRangeJournal, recoverJobs, runPilotLoop } from '../../../core/index.js';
import { startDispatcher } from '../../../plugins/panda-local/index.js';
import { esTask, finalReports } from '../../helpers/es-job-harness.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';

test('a held job\'s zipped ranges are reported from the journal in version-1 chunks; a zip missing from the store fails its ranges', async (t) => {
  const site = await localSite();
  const dispatcher = await startDispatcher({ task: await site.placeInputs(esTask({ taskId: 971, files: 1, events: 6, simulatorArgs: '--workers=1' })) });
  const run = await makeRun({
    extraLayers: [site.layer({
      server: { url: dispatcher.url, retries: 0, requestTimeoutMs: 300, backoffBaseMs: 10, backoffMaxMs: 50 },
      eventService: { reportIntervalMs: 60_000, payloadGraceS: 10, killGraceS: 1, zipOutputs: { enabled: true, maxRanges: 3 } },
      pluginOptions: { event: { finalFlushS: 1.5, settleMs: 150 } },
    })],
    env: { PATH: process.env['PATH'] },
  });
  const api = PandaClient.fromRun(run, {});
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  dispatcher.injectFault({ command: 'updateEventRanges', kind: 'stall', times: 1000 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  t.like(result.jobs[0]!.outcome, { state: 'holding', nEvents: 6 }, result.jobs[0]!.outcome.pilotErrorDiag);
  dispatcher.clearFaults();

  const journalPath = (await readdir(site.workdir, { recursive: true })).map((p) => join(site.workdir, String(p))).find((p) => p.endsWith(JOURNAL_FILE))!;
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
