/**
 * A full Event Service job in Harvester push mode: the Harvester peer (test/helpers/
 * harvester-peer.ts) places the job and feeds event ranges through the shared files, taking
 * both from the embedded dispatcher as Harvester takes them from PanDA; the pilot runs the job
 * through the `harvester` PandaApi with the real ZeroMQ channel, the payload simulator and a
 * file:// object store. Checks read the dispatcher, the peer's records, the object store and
 * the range journal.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE, PandaApi, readRangeJournal, runPilotLoop } from '../../../core/index.js';
import { EsJobHarness, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { HarvesterPeer } from '../../helpers/harvester-peer.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('push mode with Harvester\'s event-range files: every range finished once, reported once through the dump, the log declared, the kill file written', async (t) => {
  const access = await tempDir('espilot-harvester-');
  const pilotWork = await tempDir('espilot-pilot-');
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 611, files: 2, events: 4, coreCount: 2, simulatorArgs: '--workers=2' }),
    pilot: { workdir: pilotWork.path, heartbeatS: 1, keepWorkdir: true }, // the test reads the journal after the job
    pluginOptions: { harvester: { submitMode: 'PUSH', workdir: access.path, pollMs: 20, jobWaitS: 30, eventRangesWaitS: 60, files: { killWorker: 'kill_worker.json' } } },
  });
  let peer: HarvesterPeer | undefined;
  t.teardown(async () => { await peer?.stop(); await h.dispose(); await access.remove(); await pilotWork.remove(); });
  peer = await HarvesterPeer.start({ accessPoint: access.path, panda: h.panda, siteName: 'TEST', monitorMs: 300, feederMs: 30 });
  const pandaId = peer.jobsPlaced[0]!;

  const api = h.run.resolver.get<PandaApi>(PandaApi, 'harvester');
  const result = await runPilotLoop({ run: h.run, api, request: { siteName: 'TEST' }, maxJobs: 1, handleSignals: false });
  // Harvester's last look after the job's final update (the pilot still running).
  await peer.stop();
  await peer.finalCycle();

  const job = result.jobs[0]!;
  t.is(job.pandaId, pandaId);
  t.like(job.outcome, { state: 'finished', pilotErrorCode: 0, nEvents: 8, nEventsFailed: 0 }, job.outcome.pilotErrorDiag);
  t.deepEqual(peer.problems, []);
  t.true(peer.rangeFeeds >= 2, 'ranges were fed in several rounds, the last one empty');

  // Each dispatched range: one finished report in the pilot's dump, one update to PanDA.
  const s = h.snapshot();
  const ids = dispatchedIds(s, pandaId);
  t.is(ids.length, 8);
  const forwarded = peer.forwarded.map((e) => `${e.pandaId}:${e.eventRangeID}:${e.eventStatus}`).sort();
  t.deepEqual(forwarded, ids.map((id) => `${pandaId}:${id}:finished`).sort());
  const reports = finalReports(s);
  for (const id of ids) t.deepEqual(reports.get(id), ['finished'], id);
  t.true(s.ranges.every((r) => r.status === 'finished' && r.reports.length === 1));

  // Outputs verified in the object store; the journal has nothing left to report.
  const outLfn = `HITS.611._`;
  const stored = await h.storedNames();
  t.is(stored.length, 8);
  for (const name of stored) {
    const id = ids.find((i) => name.endsWith(`.${i}`));
    t.truthy(id, name);
    t.true(name.startsWith(outLfn), name);
    t.is(await h.checkObject(name, id!), undefined);
  }
  const journal = await readRangeJournal(join(job.jobDir, JOURNAL_FILE));
  t.true(journal.closed);
  t.true([...journal.ranges.values()].every((r) => r.report === 'acked'));

  // The job's files for Harvester: the attributes on every update, the final one last; the log declared.
  t.true(peer.attributes.length >= 2, 'worker_attributes.json rewritten on the heartbeats and the final update');
  t.like(peer.attributes.at(-1), { jobStatus: 'finished', jobId: pandaId, state: 'finished' });
  const logs = peer.staged.filter((f) => f.type === 'log');
  t.is(logs.length, 1);
  t.regex(logs[0]!.chksum, /^[0-9a-f]{8}$/);
  t.false(peer.killRequested, 'no kill file while the pilot runs');

  // The pilot's exit: the run is disposed and the kill file written.
  await h.run.dispose();
  await peer.finalCycle();
  t.true(peer.killRequested, 'kill_worker.json written at exit');
  t.false(existsSync(join(access.path, 'pandaJobData.out')), 'the job file is taken away');
  t.true(existsSync(join(pilotWork.path, 'job_definition.json')), 'a copy stays with the pilot');
});
