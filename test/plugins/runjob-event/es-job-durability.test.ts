/**
 * Durability at fewer syncs and stage-out backpressure, on a real ES job: the embedded
 * dispatcher, the ZeroMQ channel, the payload simulator and mover-local into a file:// store,
 * with the run's fsync group commit (SyncBatcher) built on instrumented system calls: the
 * syncs of the store's files can be held back (nothing may be reported meanwhile) or slowed
 * (a slow mover: the backlog must stay within its bound and every range still finish once).
 */
import test from 'ava';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { JOURNAL_FILE, SYSTEM_SYNC, SyncBatcher, SyncBatcherToken, journalLines, readJournalTimeline, type SyncOps } from '../../../core/index.js';
import { EsJobHarness, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { scaled } from '../../helpers/slowdown.js';

/** The real system calls; those on files under `store` wait for `gate` and are counted. */
function storeOps(store: string) {
  const counts = { storeFileSyncs: 0, storeDirSyncs: 0, otherSyncs: 0, held: 0 };
  let gate: Promise<void> = Promise.resolve();
  let delayMs = 0;
  const inStore = (p: string) => p.startsWith(store);
  const hold = async () => {
    counts.held++;
    await gate;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    counts.held--;
  };
  const ops: SyncOps = {
    datasync: async (fh: FileHandle) => {
      const path = readlinkSync(`/proc/self/fd/${fh.fd}`);
      if (!inStore(path)) {
        counts.otherSyncs++;
        return SYSTEM_SYNC.datasync(fh);
      }
      counts.storeFileSyncs++;
      await hold();
      return SYSTEM_SYNC.datasync(fh);
    },
    syncDir: async (dir: string) => {
      if (!inStore(dir)) {
        counts.otherSyncs++;
        return SYSTEM_SYNC.syncDir(dir);
      }
      counts.storeDirSyncs++;
      await hold();
      return SYSTEM_SYNC.syncDir(dir);
    },
  };
  return {
    ops, counts,
    close(): () => void {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return open;
    },
    slow(ms: number) { delayMs = ms; },
  };
}

test.serial('nothing is reported finished before its object and checksum record are synced; the syncs are shared', async (t) => {
  const events = 12;
  const h = await EsJobHarness.start({ task: esTask({ taskId: 761, files: 1, events, simulatorArgs: '--workers=3' }) });
  t.teardown(() => h.dispose());
  const sync = storeOps(h.store);
  const batcher = new SyncBatcher(sync.ops);
  h.run.resolver.provide(SyncBatcherToken, batcher);
  const open = sync.close();
  // Registered after dispose, so it runs first: a failure below must not leave the job's syncs held for ever.
  t.teardown(() => open());
  const job = await h.getJob();
  const running = h.runJob(job);
  // Outputs reached the store's syncs, which are held: the journal and the payload go on.
  let outputs = 0;
  const journalOutputs = async () => {
    let n = 0;
    for await (const line of journalLines(join(h.workdir, JOURNAL_FILE))) if (!line.torn && line.text.startsWith('{"t":"output"')) n++;
    return n;
  };
  const waitMs = scaled(60_000);
  const end = Date.now() + waitMs;
  while (sync.counts.held === 0 || (outputs = await journalOutputs().catch(() => 0)) < 4) {
    if (Date.now() > end) throw new Error(`gave up waiting (${waitMs} ms: 60 s × the measured slowdown) for a held sync and four outputs journaled; ${sync.counts.held} sync(s) held, ${outputs} output(s) journaled`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const during = h.snapshot();
  t.true(outputs >= 4);
  t.is(during.rangeUpdates.filter((u) => u.eventStatus === 'finished').length, 0, 'no range reported finished while its syncs are held');
  t.true(dispatchedIds(during, job.pandaId).length >= 3);
  open();
  const outcome = await running;
  t.like(outcome, { state: 'finished', nEvents: events });
  const reports = finalReports(h.snapshot());
  t.is(reports.size, events);
  for (const [id, statuses] of reports) t.deepEqual(statuses, ['finished'], id);
  // Per range: the object's data and its checksum record (one fdatasync each); folders once per batch.
  t.is(sync.counts.storeFileSyncs, 2 * (events + 1), 'object + checksum record per range, and for the job log');
  t.true(sync.counts.storeDirSyncs < 2 * events, `${sync.counts.storeDirSyncs} folder syncs for ${events} ranges (batched)`);
  t.true(batcher.stats.requests > batcher.stats.fileSyncs + batcher.stats.dirSyncs, 'some requests shared a sync');
});

test.serial('a slow mover: ranges in flight plus outputs awaiting stage-out never exceed the bound, the ask waits (no "No more events"), every range finishes once', async (t) => {
  const events = 30;
  const maxRanges = 4;
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 762, files: 1, events, simulatorArgs: '--workers=3' }),
    eventService: { stageOutConcurrency: 1, stageOutBacklog: { maxRanges, maxBytes: 1 << 30 } },
  });
  t.teardown(() => h.dispose());
  const sync = storeOps(h.store);
  sync.slow(25);
  h.run.resolver.provide(SyncBatcherToken, new SyncBatcher(sync.ops));
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'finished', nEvents: events });
  const reports = finalReports(h.snapshot());
  t.is(reports.size, events);
  for (const [id, statuses] of reports) t.deepEqual(statuses, ['finished'], id);
  // The journal's order is the order the pilot acted in: replay it and count the load at every step.
  const phase = new Map<string, string>();
  let load = 0;
  let peak = 0;
  const episodes: boolean[] = [];
  for await (const line of journalLines(join(h.workdir, JOURNAL_FILE))) {
    const rec = JSON.parse(line.text) as { t: string; id?: string; full?: boolean; outcome?: unknown };
    if (rec.t === 'backlog') episodes.push(rec.full!);
    if (!rec.id) continue;
    const before = phase.get(rec.id);
    if (rec.t === 'sent') load++;
    if (rec.t === 'final' && (before === 'sent' || before === 'output' || before === 'stored')) load--;
    phase.set(rec.id, rec.t);
    peak = Math.max(peak, load);
  }
  t.true(peak <= maxRanges, `peak ${peak} ranges in flight or awaiting stage-out (bound ${maxRanges})`);
  t.is(peak, maxRanges, 'the bound was reached (the mover is slower than the payload)');
  t.true(episodes.length >= 1 && episodes[0] === true, 'backpressure was journaled for the timeline');
  t.true(episodes.every((full, i) => full === (i % 2 === 0)), 'each episode starts and ends once');
  // The report's timeline shows each episode as a pause band.
  const timeline = await readJournalTimeline(join(h.workdir, JOURNAL_FILE));
  t.is(timeline?.events?.length, Math.ceil(episodes.length / 2), 'one backpressure span per episode');
  t.true((timeline?.events ?? []).every((e) => e.kind === 'backpressure' && e.startMs <= e.endMs && /awaiting stage-out/.test(e.detail ?? '')), JSON.stringify(timeline?.events));
});
