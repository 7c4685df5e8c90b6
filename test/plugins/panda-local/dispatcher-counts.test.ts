/**
 * `counts()`: the range counts and job states kept on every transition equal what a full
 * snapshot shows, at every step of a task with failures, retries, exhausted ranges and a
 * restart, up to the task's end.
 */
import test from 'ava';
import { join } from 'node:path';
import { PILOT_DEFAULTS, PandaClient, SecretRegistry, type ServerSettings } from '../../../core/index.js';
import { startDispatcher, type DispatcherCounts, type DispatcherHandle, type DispatcherSnapshot } from '../../../plugins/panda-local/index.js';
import { tempDir } from '../../helpers/temp-dir.js';

const settings: ServerSettings = { ...PILOT_DEFAULTS.server, auth: 'none', retries: 0, requestTimeoutMs: 5000 };
const task = {
  taskId: 66, eventService: true, coreCount: 2, eventsPerRange: 1, maxAttempts: 2, scope: 'mc_t',
  inputFiles: [{ lfn: 'EVNT.66._1', guid: '0A1B2C3D-0000-4000-8000-000000000061', events: 5 }, { lfn: 'EVNT.66._2', guid: '0A1B2C3D-0000-4000-8000-000000000062', events: 4 }],
  output: { lfn: 'HITS.{taskId}._{serial}.root' },
  payload: { transformation: 'node', jobPars: 'sim.js' }, merge: { transformation: 'node', jobPars: 'merge.js --inputFile=@inputFor_{outputLFN}' },
};

/** The counts as computed from scratch out of a snapshot. */
function fromSnapshot(s: DispatcherSnapshot): DispatcherCounts {
  const counts = { ready: 0, sent: 0, running: 0, finished: 0, done: 0, failed: 0, exhausted: 0 };
  for (const r of s.ranges) {
    counts[r.status]++;
    if (r.exhausted) counts.exhausted++;
  }
  return {
    task: { status: s.task.status, counts }, ranges: s.ranges.length,
    failedAttempts: s.rangeUpdates.filter((u) => u.outcome === 'applied' && (u.eventStatus === 'failed' || u.eventStatus === 'fatal')).length,
    jobs: s.jobs.map((j) => ({
      pandaId: j.pandaId, kind: j.kind, attemptNr: j.attemptNr, status: j.status,
      ...(j.closeReason ? { closeReason: j.closeReason } : {}), ...(j.pilotErrorDiag ? { pilotErrorDiag: j.pilotErrorDiag } : {}),
    })),
  };
}

test('counts() equals the snapshot at every step: failures, retries, attempts running out, a restart, the end of the task', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const statePath = join(dir.path, 'state.json');
  let d: DispatcherHandle = await startDispatcher({ task, statePath });
  let c = new PandaClient({ server: { ...settings, url: d.url }, secrets: new SecretRegistry(), env: {} });
  t.teardown(async () => { c.close(); await d.stop(); });
  const same = (step: string) => t.deepEqual(d.counts(), fromSnapshot(d.snapshot()), step);
  same('fresh');
  const j1 = (await c.getJob({ siteName: 'S' }))!;
  const r1 = await c.getEventRanges({ pandaId: j1.pandaId, jobsetId: j1.jobsetId!, nRanges: 6 });
  same('six sent');
  await c.updateEventRanges([
    { eventRangeId: r1[0]!.id, eventStatus: 'finished' }, { eventRangeId: r1[1]!.id, eventStatus: 'failed', errorCode: 1220 },
    { eventRangeId: r1[2]!.id, eventStatus: 'fatal' }, { eventRangeId: r1[0]!.id, eventStatus: 'finished' },
  ]);
  same('finished, failed, fatal and a duplicate');
  t.like(d.counts(), { failedAttempts: 2, ranges: 9 });
  await c.updateJob({ pandaId: j1.pandaId, state: 'finished', nEvents: 1 });
  same('the first consumer closed: ranges released, one attempt less');
  t.true(d.counts().task.counts.exhausted >= 1, 'the fatal range has no attempt left');

  // A restart: the counts are rebuilt from the restored records.
  c.close();
  await d.stop();
  d = await startDispatcher({ statePath });
  c = new PandaClient({ server: { ...settings, url: d.url }, secrets: new SecretRegistry(), env: {} });
  t.true(d.restored);
  same('restored');
  const j2 = (await c.getJob({ siteName: 'S' }))!;
  const r2 = await c.getEventRanges({ pandaId: j2.pandaId, jobsetId: j2.jobsetId!, nRanges: 20 });
  await c.updateEventRanges(r2.map((r, i) => ({ eventRangeId: r.id, eventStatus: i === 0 ? ('failed' as const) : ('finished' as const) })));
  same('second consumer reported');
  await c.updateJob({ pandaId: j2.pandaId, state: 'finished', nEvents: r2.length - 1 });
  same('second consumer closed');
  const counts = d.counts();
  t.is(counts.task.counts.done + counts.task.counts.failed + counts.task.counts.ready, 9);
  t.is(counts.task.status, 'failed', 'a fatal range failed the task');
  t.is(counts.jobs.length, 2);
});
