import test from 'ava';
import {
  assignLanes, buildJobReport, journalTimelineOf, maxOverlap, renderTimelineHtml,
  type EventRange, type JobStateRecord, type JournalRecord, type ReportSources, type StoredObject,
} from '../../../core/index.js';
import { esJob, sampleJob } from '../../helpers/sample-jobs.js';

const T0 = 1_700_000_000_000;
const range = (id: string, n: number): EventRange => ({ id, startEvent: n, lastEvent: n, lfn: 'EVNT.1', guid: 'G', wire: {} });
const obj = (id: string): StoredObject => ({ path: `/w/HITS.${id}`, objectName: `HITS.${id}`, url: `file:///os/HITS.${id}`, size: 100, checksum: 'ad:0000abcd', mover: 'objectstore' });

/** A journal: r1 and r2 finished on two workers, r3 failed by the payload, r4 fetched and never sent; a torn last line. */
function journalText(withPeers = true): string {
  const peer = (p: string) => (withPeers ? { peer: p } : {});
  const recs: JournalRecord[] = [
    { t: 'job', v: 1, job: { pandaId: '4242', outputLfns: ['HITS'], workdir: '/w', createdAt: T0 } },
    { t: 'fetched', ts: T0 + 10, ranges: [range('r1', 1), range('r2', 2), range('r3', 3), range('r4', 4)] },
    { t: 'sent', ts: T0 + 20, id: 'r1', ...peer('aa01') },
    { t: 'sent', ts: T0 + 21, id: 'r2', ...peer('aa02') },
    { t: 'output', ts: T0 + 40, id: 'r1', paths: ['/w/HITS.r1'], cpu: 1 },
    { t: 'sent', ts: T0 + 41, id: 'r3', ...peer('aa01') },
    { t: 'output', ts: T0 + 45, id: 'r2', paths: ['/w/HITS.r2'] },
    { t: 'stored', ts: T0 + 60, id: 'r1', objects: [obj('r1')] },
    { t: 'final', ts: T0 + 61, id: 'r1', outcome: { status: 'finished' } },
    { t: 'final', ts: T0 + 62, id: 'r3', outcome: { status: 'failed', code: 1220, diag: 'ERR_ATHENAMP_PROCESS: <script>alert(1)</script>' } },
    { t: 'stored', ts: T0 + 70, id: 'r2', objects: [obj('r2')] },
    { t: 'final', ts: T0 + 71, id: 'r2', outcome: { status: 'finished' } },
    { t: 'reported', ts: T0 + 80, acked: ['r1', 'r2'], rejected: ['r3'] },
    { t: 'closed', ts: T0 + 90 },
  ];
  return `${recs.map((r) => JSON.stringify(r)).join('\n')}\n{"t":"sent","ts":`;
}

function sources(over: Partial<ReportSources> = {}, withPeers = true): ReportSources {
  const state: JobStateRecord = {
    version: 1, pandaId: '4242', pilotPid: 1, phase: 'finished', runJob: 'event', plugins: { experiment: 'generic', runJob: 'event' },
    job: esJob(), finalUpdate: 'sent', startedAt: T0, updatedAt: T0 + 100,
    outcome: { state: 'finished', pilotErrorCode: 0, pilotErrorDiag: '', transExitCode: 0, nEvents: 2, cpuConsumptionTime: 1, startTime: T0, endTime: T0 + 100 },
  };
  return { jobDir: '/w', state, journal: journalTimelineOf('/w/es-journal.jsonl', journalText(withPeers)), ledger: {}, stagedIn: [], ...over };
}

test('journal timeline: every transition time per range, the worker from the sent record, a torn last line skipped', (t) => {
  const tl = journalTimelineOf('j', journalText());
  t.is(tl.skippedLines, 1);
  t.is(tl.closedAt, T0 + 90);
  t.deepEqual(tl.ranges.map((r) => [r.id, r.status, r.worker, r.report]), [
    ['r1', 'finished', 'aa01', 'acked'], ['r2', 'finished', 'aa02', 'acked'], ['r3', 'failed', 'aa01', 'rejected'], ['r4', 'pending', undefined, undefined],
  ]);
  const r1 = tl.ranges[0]!;
  t.deepEqual([r1.fetchedAt, r1.sentAt, r1.outputAt, r1.storedAt, r1.decidedAt, r1.reportedAt].map((x) => x! - T0), [10, 20, 40, 60, 61, 80]);
  t.is(r1.cpuSeconds, 1);
  t.deepEqual(r1.objects, [obj('r1')]);
});

test('lanes: one per worker in order of first dispatch; never-dispatched ranges in their own lane', (t) => {
  const { lanes, laneOf } = assignLanes(journalTimelineOf('j', journalText()).ranges);
  t.deepEqual(lanes.map((l) => [l.id, l.label, l.ranges, l.failed]), [
    ['aa01', 'worker 1 (aa01)', 2, 1], ['aa02', 'worker 2 (aa02)', 1, 0], ['undispatched', 'not dispatched', 1, 0],
  ]);
  t.is(laneOf.get('r3'), 'aa01');
});

test('lanes without recorded workers (older journals): packed so that no lane holds two ranges at once', (t) => {
  const ranges = journalTimelineOf('j', journalText(false)).ranges;
  const { lanes, laneOf } = assignLanes(ranges);
  t.deepEqual(lanes.map((l) => l.id), ['lane-1', 'lane-2', 'undispatched']);
  t.true(lanes[0]!.label.includes('worker not recorded'));
  t.is(laneOf.get('r3'), 'lane-1', 'r3 reuses the lane r1 left');
});

test('report: ranges, phases in order, errors by code, transfers and totals from journal, ledger and stage-in record', (t) => {
  const report = buildJobReport(sources({
    ledger: { 'pw:HITS': { lfn: 'HITS', url: 'file:///se/HITS', size: 500, checksum: 'ad:00000001', mover: 'local' } },
    stagedIn: [{ activity: 'es_events_read', lfn: 'HITS.r0', url: 'file:///os/HITS.r0', size: 50, checksum: 'ad:00000002', mover: 'objectstore→local' }],
  }), T0 + 1000);
  t.is(report.job.kind, 'event service');
  t.like(report.ranges, { total: 4, finished: 2, failed: 1, fatal: 0, pending: 1, maxStageOutConcurrency: 2 });
  t.is(report.ranges!.rangesPerSecond, Math.round((2 / 0.05) * 100) / 100, 'finished per second from first dispatch to last stored');
  t.deepEqual(report.phases.map((p) => p.name), ['setup', 'processing', 'stage-out drain', 'reporting', 'wrap-up']);
  report.phases.forEach((p, i) => {
    t.true(p.end >= p.start);
    if (i) t.is(p.start, report.phases[i - 1]!.end, 'phases are contiguous');
  });
  t.is(report.phases[0]!.start, T0);
  t.is(report.phases.at(-1)!.end, T0 + 100);
  t.deepEqual(report.errors, [{ scope: 'range', code: 1220, name: 'UNKNOWN', count: 1, diag: 'ERR_ATHENAMP_PROCESS: <script>alert(1)</script>' }]);
  t.deepEqual(report.transfers.map((x) => [x.direction, x.activity, x.name, x.rangeId]), [
    ['in', 'es_events_read', 'HITS.r0', undefined], ['out', 'es_events', 'HITS.r1', 'r1'], ['out', 'es_events', 'HITS.r2', 'r2'], ['out', 'pw', 'HITS', undefined],
  ]);
  t.deepEqual(report.totals, { filesStored: 3, bytesStored: 700, filesRead: 1, bytesRead: 50 });
  t.is(report.generatedAt, new Date(T0 + 1000).toISOString());
});

test('report of a failed normal job: the job error, no ranges, one phase', (t) => {
  const s = sources();
  const state: JobStateRecord = {
    ...s.state, job: sampleJob(), runJob: 'normal', phase: 'failed',
    outcome: { ...s.state.outcome!, state: 'failed', pilotErrorCode: 1137, pilotErrorDiag: 'stage-out failed' },
  };
  const { journal: _none, ...rest } = s;
  const report = buildJobReport({ ...rest, state });
  t.is(report.ranges, undefined);
  t.deepEqual(report.phases.map((p) => p.name), ['job']);
  t.deepEqual(report.errors, [{ scope: 'job', code: 1137, name: 'STAGEOUTFAILED', count: 1, diag: 'stage-out failed' }]);
  t.is(report.outcome?.pilotErrorName, 'STAGEOUTFAILED');
  const html = renderTimelineHtml(report);
  t.regex(html, /No event ranges in this normal job/);
  t.regex(html, /STAGEOUTFAILED \(1137\)/);
});

test('timeline page: every range drawn with its id and status, text escaped, nothing external', (t) => {
  const html = renderTimelineHtml(buildJobReport(sources()));
  for (const id of ['r1', 'r2', 'r3', 'r4']) t.regex(html, new RegExp(`<g class="range [a-z]+" data-range-id="${id}"`));
  t.regex(html, /data-range-id="r3" data-status="failed"/);
  t.regex(html, /data-range-id="r4" data-status="pending" data-lane="undispatched"/);
  t.false(html.includes('<script>alert(1)</script>'), 'a payload diagnostic cannot inject markup');
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  t.notRegex(html, /<script|<link|\ssrc=|\shref=|url\(/i);
  t.regex(html, /class="legend"/);
  t.regex(html, /<g class="concurrency" data-max="2">/);
});

test('maxOverlap counts intervals open at one time; touching intervals do not overlap', (t) => {
  t.is(maxOverlap([]), 0);
  t.is(maxOverlap([[0, 10], [10, 20]]), 1);
  t.is(maxOverlap([[0, 10], [5, 20], [6, 7]]), 3);
});
