/**
 * Heartbeats say who sends them, as pilot3 does with every updateJob (`get_data_structure`):
 * pilotID and batchID from the batch system's environment, checked in the embedded
 * dispatcher's records of the real HTTP calls.
 */
import test from 'ava';
import { JobControlSource, Monitor, PandaClient, pilotIdentity } from '../../../core/index.js';
import { startDispatcher } from '../../../plugins/panda-local/index.js';
import { esTask } from '../../helpers/es-job-harness.js';
import { makeRun } from '../../helpers/make-run.js';

test('every heartbeat carries pilotID and batchID (a Slurm job here)', async (t) => {
  const dispatcher = await startDispatcher({ task: esTask({ taskId: 961 }) });
  const run = await makeRun({ extraLayers: [{ source: 'test', pilot: { server: { url: dispatcher.url, retries: 1, backoffBaseMs: 10, backoffMaxMs: 50, requestTimeoutMs: 5000 } } }] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); });
  const job = (await api.getJob({ siteName: 'TEST_LOCAL' }))!;
  const identity = pilotIdentity({ SLURM_JOB_ID: '4242', GTAG: 'https://example.org/pilot.out' });
  const monitor = new Monitor({
    api, control: new JobControlSource(), log: run.logger, pandaId: job.pandaId, intervalMs: 60_000, lostHeartbeatMs: 600_000, coreCount: 1,
    identity, progress: () => ({ nEvents: 0 }),
  });
  await monitor.beat();
  await monitor.beat();
  await monitor.stop();
  const beats = dispatcher.snapshot().jobUpdates.filter((u) => u.pandaId === job.pandaId && u.state === 'running');
  t.is(beats.length, 2);
  for (const b of beats) {
    t.is(b.outcome, 'applied');
    t.is(b.pilotID, 'https://example.org/pilot.out|SLURM|PR|espilot');
    t.is(b.batchID, '4242');
  }
});
