/**
 * The dispatcher's state survives restarts: the journal replays a crash's worth of changes,
 * a clean stop folds them into the snapshot, and the inspection endpoint serves the same view.
 */
import test from 'ava';
import { appendFile, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PILOT_DEFAULTS, PandaClient, SecretRegistry, type ServerSettings } from '../../../core/index.js';
import { startDispatcher, type DispatcherSnapshot } from '../../../plugins/panda-local/index.js';
import { scaled } from '../../helpers/slowdown.js';
import { tempDir } from '../../helpers/temp-dir.js';

const settings: ServerSettings = { ...PILOT_DEFAULTS.server, auth: 'none', retries: 0, requestTimeoutMs: scaled(5000) };
/**
 * The request timeout of the fault tests' clients: short, so that a stalled or slow answer
 * makes the client give up and retry, scaled by the machine's slowdown so that an answer
 * that is not delayed on purpose always beats it. Their setup (getJob, which is not
 * idempotent: a retried getJob gets no job) goes through a client with the usual timeout.
 */
const SHORT_MS = scaled(300);

/** A dispatcher, a setup client, and a client with the short timeout and `retries`. */
async function faultClients(t: import('ava').ExecutionContext, retries: number) {
  const d = await startDispatcher({ task });
  const setup = new PandaClient({ server: { ...settings, url: d.url }, secrets: new SecretRegistry(), env: {} });
  const c = new PandaClient({ server: { ...settings, url: d.url, retries, backoffBaseMs: 1, backoffMaxMs: 5, requestTimeoutMs: SHORT_MS }, secrets: new SecretRegistry(), env: {} });
  t.teardown(async () => { c.close(); setup.close(); await d.stop(); });
  const job = await setup.getJob({ siteName: 'S' });
  if (!job) throw new Error('the dispatcher gave no job to the first getJob');
  return { d, setup, c, job };
}
const task = {
  taskId: 88, coreCount: 2, maxAttempts: 2, inputFiles: [{ lfn: 'EVNT.88', guid: '0A1B2C3D-0000-4000-8000-000000000088', events: 6 }],
  payload: { transformation: 'node', jobPars: 'sim.js' }, merge: { transformation: 'node', jobPars: 'merge.js' },
};
const stable = (s: DispatcherSnapshot) => ({ ...s, time: undefined });

test('a crash: the snapshot plus the journal rebuild exactly the state the clients saw', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const statePath = join(dir.path, 'state.json');
  const d1 = await startDispatcher({ task, statePath });
  const c1 = new PandaClient({ server: { ...settings, url: d1.url }, secrets: new SecretRegistry(), env: {} });
  t.teardown(async () => { c1.close(); await d1.stop(); });
  t.false(d1.restored);
  const job = (await c1.getJob({ siteName: 'S' }))!;
  const ranges = await c1.getEventRanges({ pandaId: job.pandaId, jobsetId: job.jobsetId!, nRanges: 4 });
  await c1.updateEventRanges([{ eventRangeId: ranges[0]!.id, eventStatus: 'finished' }, { eventRangeId: ranges[1]!.id, eventStatus: 'fatal' }]);
  d1.command(job.pandaId, 'softkill');
  await c1.updateJob({ pandaId: job.pandaId, state: 'running' });
  const before = d1.snapshot();

  // The process "dies" here: copy its files as they are on disk, unfolded journal included.
  const crashed = join(dir.path, 'crashed.json');
  await copyFile(statePath, crashed);
  await copyFile(`${statePath}.journal`, `${crashed}.journal`);
  t.true((await readFile(`${crashed}.journal`, 'utf8')).split('\n').filter(Boolean).length >= 5, 'the changes are in the journal');
  await appendFile(`${crashed}.journal`, '{"cmd":"updateJob","par'); // a record cut short by the crash

  const d2 = await startDispatcher({ statePath: crashed });
  const c2 = new PandaClient({ server: { ...settings, url: d2.url }, secrets: new SecretRegistry(), env: {} });
  t.teardown(async () => { c2.close(); await d2.stop(); });
  t.true(d2.restored);
  t.deepEqual(stable(d2.snapshot()), stable(before));
  // The restarted server knows the ranges it handed out before the crash.
  t.deepEqual((await c2.updateEventRanges([{ eventRangeId: ranges[0]!.id, eventStatus: 'finished' }, { eventRangeId: ranges[2]!.id, eventStatus: 'finished' }])).results, [true, true]);
  t.deepEqual(d2.snapshot().rangeUpdates.slice(-2).map((u) => u.outcome), ['noop', 'applied']);
  t.deepEqual(await c2.updateJob({ pandaId: job.pandaId, state: 'running' }), ['softkill']);
});

test('a clean stop folds the journal into the snapshot; a restart continues where it stopped', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const statePath = join(dir.path, 'state.json');
  const d1 = await startDispatcher({ task, statePath });
  const c = new PandaClient({ server: { ...settings, url: d1.url }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => c.close());
  const job = (await c.getJob({ siteName: 'S' }))!;
  await c.getEventRanges({ pandaId: job.pandaId, jobsetId: job.jobsetId!, nRanges: 6 });
  await c.updateJob({ pandaId: job.pandaId, state: 'failed' });
  const before = d1.snapshot();
  await d1.stop();
  t.is(await readFile(`${statePath}.journal`, 'utf8'), '');
  const d2 = await startDispatcher({ statePath, task });
  t.teardown(() => d2.stop());
  t.deepEqual(stable(d2.snapshot()), stable(before));
  const res = await fetch(`${d2.url}/espilot/state`);
  t.deepEqual(stable((await res.json()) as DispatcherSnapshot), stable(before), 'the inspection endpoint serves the same view');
  const c2 = new PandaClient({ server: { ...settings, url: d2.url }, secrets: new SecretRegistry(), env: {} });
  t.teardown(() => c2.close());
  const retry = (await c2.getJob({ siteName: 'S' }))!;
  t.is(retry.attemptNr, 2);
  t.is((await c2.getEventRanges({ pandaId: retry.pandaId, jobsetId: retry.jobsetId!, nRanges: 10 })).length, 6);
});

test('a state file of another task, or not a state file, is refused clearly', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const statePath = join(dir.path, 'state.json');
  await (await startDispatcher({ task, statePath })).stop();
  await t.throwsAsync(startDispatcher({ task: { ...task, taskId: 89 }, statePath }), { message: /state: expected a state file of task 89, got .*holds task 88/ });
  await writeFile(statePath, '{"hello": 1}');
  await t.throwsAsync(startDispatcher({ statePath }), { message: /expected a dispatcher state file \(version 1\)/ });
});

test('injected faults: a lost reply makes the retried update arrive twice, applied once', async (t) => {
  const { d, c, job } = await faultClients(t, 3);
  d.injectFault({ command: 'getEventRanges', kind: 'http-503', times: 2 });
  const ranges = await c.getEventRanges({ pandaId: job.pandaId, jobsetId: job.jobsetId!, nRanges: 2 });
  t.is(ranges.length, 2, 'two 503 answers, then the ranges');
  d.injectFault({ command: 'updateEventRanges', kind: 'drop-reply' });
  d.injectFault({ command: 'updateEventRanges', kind: 'status-10' });
  t.deepEqual((await c.updateEventRanges([{ eventRangeId: ranges[0]!.id, eventStatus: 'finished' }])).results, [true]);
  const s = d.snapshot();
  t.deepEqual(s.rangeUpdates.map((u) => [u.eventRangeId, u.outcome]), [[ranges[0]!.id, 'applied'], [ranges[0]!.id, 'noop']]);
  t.deepEqual(d.faultsProduced().map((f) => f.kind), ['http-503', 'http-503', 'drop-reply', 'status-10']);
  d.injectFault({ command: '*', kind: 'stall', times: 5 });
  await t.throwsAsync(c.updateJob({ pandaId: job.pandaId, state: 'running' }), { message: new RegExp(`no complete reply within ${SHORT_MS} ms \\(gave up after 4 attempts\\)`) });
  d.clearFaults();
  t.deepEqual(await c.updateJob({ pandaId: job.pandaId, state: 'running' }), []);
  t.throws(() => d.injectFault({ command: '*', kind: 'reset', times: 0 }), { message: /times must be an integer ≥ 1/ });
  t.throws(() => d.injectFault({ command: '*', kind: 'slow', delayMs: -1 }), { message: /delayMs must be a number ≥ 0/ });
});

test('injected faults: a slow answer is applied late; a client that gave up meanwhile sends it again', async (t) => {
  const { d, setup, c, job } = await faultClients(t, 2);
  const [range] = await setup.getEventRanges({ pandaId: job.pandaId, jobsetId: job.jobsetId!, nRanges: 1 });
  // Slower than an undelayed answer, well within the client's timeout.
  const within = Math.round(SHORT_MS / 3);
  d.injectFault({ command: 'updateEventRanges', kind: 'slow', delayMs: within });
  const started = Date.now();
  t.deepEqual((await c.updateEventRanges([{ eventRangeId: range!.id, eventStatus: 'failed', errorCode: 1220 }])).results, [true]);
  t.true(Date.now() - started >= within, 'the answer came after the delay');
  // Twice the client's timeout: it gives up on the first attempt and sends the update again.
  d.injectFault({ command: 'updateEventRanges', kind: 'slow', delayMs: 2 * SHORT_MS });
  t.deepEqual((await c.updateEventRanges([{ eventRangeId: range!.id, eventStatus: 'failed', errorCode: 1220 }])).results, [true]);
  // The slow call is applied once its delay is over; wait for it as long as the delay again.
  const deadline = Date.now() + 4 * SHORT_MS;
  while (d.snapshot().rangeUpdates.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // Applied once; the repeat sent while the slow call was pending, and the slow call itself, are no-ops.
  t.deepEqual(d.snapshot().rangeUpdates.map((u) => u.outcome), ['applied', 'noop', 'noop'], `updates seen ${4 * SHORT_MS} ms after the slow call was sent`);
  t.deepEqual(d.faultsProduced().map((f) => f.kind), ['slow', 'slow']);
});
