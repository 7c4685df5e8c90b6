/**
 * The checker itself, on small hand-made histories: a clean one passes, and each invariant
 * breach the fault suite exists to catch is reported under its id. (A checker that cannot
 * fail would make every fault run pass.)
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DispatcherSnapshot, RangeUpdateEntry } from '../../plugins/panda-local/index.js';
import type { TraceEvent } from '../../plugins/payload-simulator/index.js';
import type { ProxiedRequest } from '../helpers/fault-proxy.js';
import { tempDir } from '../helpers/temp-dir.js';
import { check } from './checker.js';
import { faultTimings } from './fault-config.js';

const TIMINGS = faultTimings(1);
const EXIT_BOUND_MS = TIMINGS.exitBoundMs;
import type { RunHistory } from './history.js';
import type { ObjectFacts } from './store-reader.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const A = '7-2-1-1-3';
const B = '7-2-1-2-3';
const LFN = 'HITS.7._000001.pool.root.1';
const CANARIES = ['S3CANARYfeedbeef', 'TOKENCANARYc0ffee', 'KEYLINEdeadbeef'];
const iso = (dt: number) => new Date(T0 + dt).toISOString();

function update(id: string, dt: number, over: Partial<RangeUpdateEntry> = {}): RangeUpdateEntry {
  return { seq: dt, time: iso(dt), command: 'updateEventRanges', requestPandaId: '2', eventRangeId: id, eventStatus: 'finished', result: true, outcome: 'applied', ...over };
}

function object(id: string, over: Partial<ObjectFacts> = {}): ObjectFacts {
  return { key: `${LFN}.${id}`, rangeId: id, size: 4305, adler32: '0a0b0c0d', recordedAdler32: '0a0b0c0d', recordedSize: 4305, contentOk: true, ...over };
}

function put(id: string, start: number, end: number, seq = 1): ProxiedRequest {
  return { seq, method: 'PUT', path: `/bucket/${LFN}.${id}?x-id=PutObject`, headers: {}, status: 200, startedAt: T0 + start, endedAt: T0 + end };
}

function trace(events: Array<[number, TraceEvent['e'], string?]>): TraceEvent[] {
  return events.map(([dt, e, id]) => ({ t: T0 + dt, pid: 9, w: 0, e, ...(id ? { id } : {}) }));
}

/** A clean run: A and B received, produced, stored (PUT answered), then reported finished. */
function clean(scanDir: string): RunHistory {
  const snapshot = {
    version: 1, time: iso(9000), task: { taskId: 7, eventService: true, status: 'running', jobsetId: '1', outputLfn: LFN, counts: {} },
    jobs: [], ranges: [], jobUpdates: [],
    dispatches: [{ seq: 1, time: iso(10), pandaId: '2', requested: 2, eventRangeIds: [A, B] }],
    rangeUpdates: [update(A, 400), update(B, 500)],
  } as unknown as DispatcherSnapshot;
  return {
    snapshot, dispatcherFaults: [], bucket: 'bucket',
    proxyLog: [put(A, 200, 250, 1), put(B, 300, 350, 2)],
    store: { kind: 's3', objects: new Map([[`${LFN}.${A}`, object(A)], [`${LFN}.${B}`, object(B)]]), openUploads: [] },
    traces: new Map([['2', trace([[20, 'received', A], [21, 'received', B], [100, 'output', A], [110, 'output', B], [600, 'stop']])]]),
    pilots: [{ name: 'pilot', role: 'run', pid: 1, startedAt: T0, signals: [], exit: { code: 0, signal: null, at: T0 + 2000 }, logFiles: [] }],
    commands: [], children: [{ pid: 5, argv: ['node', 'sim.js'], environ: ['PATH=/usr/bin'] }], scanDirs: [scanDir], canaries: CANARIES, timings: TIMINGS,
  };
}

async function violations(t: { teardown(fn: () => Promise<void>): void }, edit: (h: RunHistory) => RunHistory | Promise<RunHistory> = (h) => h): Promise<string[]> {
  const dir = await tempDir('espilot-checker-');
  t.teardown(() => dir.remove());
  await writeFile(join(dir.path, 'job-report.json'), '{"clean": true}');
  return [...(await check(await edit(clean(dir.path)))).violations];
}

const has = (list: readonly string[], prefix: string, text: RegExp) => list.some((v) => v.startsWith(prefix) && text.test(v));
const withUpdates = (h: RunHistory, rangeUpdates: RangeUpdateEntry[]): RunHistory => ({ ...h, snapshot: { ...h.snapshot, rangeUpdates } });

test('a clean history has no violation, and the summary counts it', async (t) => {
  const dir = await tempDir('espilot-checker-');
  t.teardown(() => dir.remove());
  const r = await check(clean(dir.path));
  t.deepEqual(r.violations, []);
  t.deepEqual(r.byState, { finished: 2, failed: 0, fatal: 0, unreported: 0 });
  t.like(r, { orphanObjects: 0, duplicates: 0, openUploads: 0 });
});

test('I1: reported finished before its PUT was answered, without an object, with a wrong checksum or bytes', async (t) => {
  t.true(has(await violations(t, (h) => ({ ...h, proxyLog: [put(A, 200, 450, 1), put(B, 300, 350, 2)] })), 'I1', /was complete only at/));
  t.true(has(await violations(t, (h) => ({ ...h, store: { ...h.store, objects: new Map([[`${LFN}.${B}`, object(B)]]) } })), 'I1', /holds no object/));
  t.true(has(await violations(t, (h) => ({ ...h, store: { ...h.store, objects: new Map([[`${LFN}.${A}`, object(A, { recordedAdler32: 'ffffffff' })], [`${LFN}.${B}`, object(B)]]) } })), 'I1', /records adler32/));
  t.true(has(await violations(t, (h) => ({ ...h, store: { ...h.store, objects: new Map([[`${LFN}.${A}`, object(A, { contentOk: false, contentProblem: 'holds range 7-2-1-9-3' })], [`${LFN}.${B}`, object(B)]]) } })), 'I1', /not its range's output/));
  t.true(has(await violations(t, (h) => ({ ...h, traces: new Map([['2', trace([[20, 'received', A], [21, 'received', B], [100, 'output', A], [110, 'error', B], [600, 'stop']])]]) })), 'I1', /never announced an output/));
  t.true(has(await violations(t, (h) => ({ ...h, store: { ...h.store, openUploads: [`${LFN}.${A} upload-1`] } })), 'I1', /left open/));
});

test('I2: two final statuses, or a repeat that no lost reply explains', async (t) => {
  t.true(has(await violations(t, (h) => withUpdates(h, [update(A, 400), update(B, 500), update(A, 600, { eventStatus: 'failed', outcome: 'noop', errorCode: 1220 })])), 'I2', /different final statuses/));
  const repeat = (h: RunHistory) => withUpdates(h, [update(A, 400), update(B, 500), update(A, 600, { outcome: 'noop' })]);
  t.true(has(await violations(t, repeat), 'I2', /reported range .* 2 times/));
  t.deepEqual(await violations(t, (h) => ({ ...repeat(h), dispatcherFaults: [{ time: iso(450), command: 'updateEventRanges', kind: 'drop-reply' }] })), []);
});

test('I3: at a graceful end every received range is acknowledged; after a crash only the in-flight window may not be', async (t) => {
  const noB = (h: RunHistory) => withUpdates(h, [update(A, 400)]);
  t.true(has(await violations(t, noB), 'I3', /never got an acknowledged final status/));
  t.true(has(await violations(t, (h) => withUpdates(h, [update(A, 400), update(B, 500, { result: false, outcome: 'rejected' })])), 'I3', /never got an acknowledged/));
  // A crash 5 s after B's output was announced: B should have been journaled and recovered.
  t.true(has(await violations(t, (h) => ({ ...noB(h), proxyLog: [put(A, 200, 250, 1)], crashAt: T0 + 5110 })), 'I3', /before the crash/));
  // A crash right after B's output was announced: B is in the in-flight window.
  t.deepEqual(await violations(t, (h) => ({ ...noB(h), proxyLog: [put(A, 200, 250, 1)], crashAt: T0 + 150 })), []);
  // But an upload that began before the crash proves B was journaled.
  t.true(has(await violations(t, (h) => ({ ...noB(h), proxyLog: [put(A, 200, 250, 1), { ...put(B, 120, 140, 2), status: undefined, endedAt: undefined }], crashAt: T0 + 150 })), 'I3', /being stored before the crash/));
});

test('I4: a pilot that had to be killed, or that took too long after "No more events" or a signal', async (t) => {
  const pilot = clean('/nonexistent').pilots[0]!;
  t.true(has(await violations(t, (h) => ({ ...h, pilots: [{ ...pilot, exit: { code: null, signal: 'SIGKILL', at: T0 + 90_000, killedBy: 'hard-limit' } }] })), 'I4', /was killed/));
  t.true(has(await violations(t, (h) => ({ ...h, pilots: [{ ...pilot, exit: { code: 0, signal: null, at: T0 + 600 + EXIT_BOUND_MS + 1000 } }] })), 'I4', /"No more events" reached the payload/));
  t.true(has(await violations(t, (h) => ({ ...h, traces: new Map(), pilots: [{ ...pilot, signals: [{ at: T0 + 100, signal: 'SIGTERM' }], exit: { code: 0, signal: null, at: T0 + 100 + EXIT_BOUND_MS + 1 } }] })), 'I4', /was signalled/));
  // The message names the bound and what it is made of.
  t.true(has(await violations(t, (h) => ({ ...h, pilots: [{ ...pilot, exit: { code: 0, signal: null, at: T0 + 600 + EXIT_BOUND_MS + 1000 } }] })), 'I4', /exit bound \d+ ms: payloadGraceS 4 \+ killGraceS 1 \+ finalFlushS 6 .* at slowdown ×1\.00/));
});

test('I4 for a recovery: held to the bound from its last range report, so a long recovery that keeps reporting is in time and one idle after it is not', async (t) => {
  const base = clean('/nonexistent');
  const dead = { ...base.pilots[0]!, exit: { code: null, signal: 'SIGKILL' as const, at: T0 + 700, killedBy: 'crash' as const } };
  // The recovery starts at 1 s and reports ranges until 1 s + 2 × the bound (it had much to upload).
  const start = 1000;
  const last = start + 2 * EXIT_BOUND_MS;
  const reports = [update(A, 400), update(B, start + EXIT_BOUND_MS), update(B, last, { seq: last })];
  const recover = (exitAt: number) => (h: RunHistory): RunHistory => ({
    ...withUpdates(h, reports),
    pilots: [dead, { name: 'recover', role: 'recover', pid: 2, startedAt: T0 + start, signals: [], exit: { code: 0, signal: null, at: T0 + exitAt }, logFiles: [] }],
  });
  t.false(has(await violations(t, recover(last + EXIT_BOUND_MS - 100)), 'I4', /recover/), 'progressing recovery, exits within the bound of its last report');
  t.true(has(await violations(t, recover(last + EXIT_BOUND_MS + 1000)), 'I4', /recover exited \d+ ms after it sent its last range report/));
  const silent = (h: RunHistory): RunHistory => ({ ...recover(start + EXIT_BOUND_MS + 1000)(h), snapshot: { ...h.snapshot, rangeUpdates: [update(A, 400), update(B, 500)] } });
  t.true(has(await violations(t, silent), 'I4', /recover exited \d+ ms after it started/), 'no report from the recovery: the bound counts from its start');
});

test('bounds follow the run\'s configuration: at slowdown ×2 every timeout and bound doubles, and the same exit is in time', async (t) => {
  const slow = faultTimings(2);
  t.is(slow.runJob.finalFlushS, 2 * TIMINGS.runJob.finalFlushS);
  t.is(slow.server.requestTimeoutMs, 2 * TIMINGS.server.requestTimeoutMs);
  t.is(slow.s3.requestTimeoutMs, 2 * TIMINGS.s3.requestTimeoutMs);
  t.is(slow.crashWindowMs, 2 * TIMINGS.crashWindowMs);
  t.true(slow.exitBoundMs > 1.9 * EXIT_BOUND_MS && slow.exitBoundMs < 2.1 * EXIT_BOUND_MS, `${slow.exitBoundMs} vs ${EXIT_BOUND_MS}`);
  const pilot = clean('/nonexistent').pilots[0]!;
  const late = (h: RunHistory): RunHistory => ({ ...h, pilots: [{ ...pilot, exit: { code: 0, signal: null, at: T0 + 600 + EXIT_BOUND_MS + 1000 } }] });
  t.true(has(await violations(t, late), 'I4', /"No more events"/));
  t.deepEqual(await violations(t, (h) => ({ ...late(h), timings: slow })), []);
});

test('I5: a range received twice by the payload, or handed twice to one job', async (t) => {
  t.true(has(await violations(t, (h) => ({ ...h, traces: new Map([['2', trace([[20, 'received', A], [21, 'received', B], [22, 'received', A], [100, 'output', A], [110, 'output', B]])]]) })), 'I5', /received range .* 2 times/));
  const twice = (h: RunHistory): RunHistory => ({ ...h, snapshot: { ...h.snapshot, dispatches: [...h.snapshot.dispatches, { seq: 2, time: iso(30), pandaId: '2', requested: 1, eventRangeIds: ['7-2-1-1-2'] }] } });
  t.true(has(await violations(t, twice), 'I5', /handed range 1-1 to job 2 2 times/));
});

test('I6: a canary in a file of the work directory, a child\'s environment or argv, or a report to the server', async (t) => {
  t.true(has(await violations(t, async (h) => { await writeFile(join(h.scanDirs[0]!, 'leak.log'), `key=${CANARIES[0]}`); return h; }), 'I6', /the S3 secret key appears in .*leak\.log/));
  t.true(has(await violations(t, (h) => ({ ...h, children: [{ pid: 5, argv: ['node', 'sim.js'], environ: [`TOKEN=${CANARIES[1]}`] }] })), 'I6', /the bearer token appears in the environment of pid 5/));
  t.true(has(await violations(t, (h) => ({ ...h, children: [{ pid: 6, argv: ['sh', '-c', `export K=${CANARIES[2]}`], environ: [] }] })), 'I6', /X\.509 proxy key appears in the argv of pid 6/));
  t.true(has(await violations(t, (h) => withUpdates(h, [update(A, 400, { reason: CANARIES[0] }), update(B, 500)])), 'I6', /sent to the dispatcher/));
});
