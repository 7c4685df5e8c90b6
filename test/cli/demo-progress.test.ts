import test from 'ava';
import { PandaClient, SecretRegistry, packageRoot, silentLogger, sleep } from '../../core/index.js';
import { DemoProgress } from '../../cli/demo/demo-progress.js';
import { demoTaskPath, loadTaskFile, startDispatcher } from '../../plugins/panda-local/index.js';

/** A terminal or a pipe that keeps what was written. */
function output(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 100, write: (s: string) => chunks.push(s), get text() { return chunks.join(''); } };
}

/** Waits until `ok()` holds (the progress timer ticks on its own schedule); fails after 10 s. */
async function until(ok: () => boolean): Promise<void> {
  for (const end = Date.now() + 10_000; !ok(); await sleep(20)) if (Date.now() > end) throw new Error('timed out waiting for progress output');
}

async function dispatcherWithEsJob(t: import('ava').ExecutionContext) {
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  const dispatcher = await startDispatcher({ task: { ...demo, inputFiles: demo.inputFiles.map((f) => ({ ...f, events: 4 })) } });
  const api = new PandaClient({ server: { url: dispatcher.url, connectTimeoutMs: 2000, requestTimeoutMs: 5000, retries: 0, backoffBaseMs: 10, backoffMaxMs: 10, auth: 'none', profile: 'ps-2024' }, secrets: new SecretRegistry(), logger: silentLogger });
  t.teardown(async () => { api.close(); await dispatcher.stop(); });
  return { dispatcher, api };
}

test('on a terminal: a bar redrawn in place, job events as lines above it, log lines moved out of its way, cleared at the end', async (t) => {
  const { dispatcher, api } = await dispatcherWithEsJob(t);
  const out = output(true);
  const progress = new DemoProgress(out, dispatcher, { bars: true });
  progress.start();
  const job = (await api.getJob({ siteName: 'X' }))!;
  await until(() => /\r\x1b\[2K.*ranges/s.test(out.text));
  t.regex(out.text, new RegExp(`▶ ES job ${job.pandaId} started\\n`));
  t.regex(out.text, new RegExp(`ES job ${job.pandaId}\\s+░{10,} 0/8 ranges`), 'the bar, empty');
  t.regex(out.text, /\r\x1b\[2K/, 'redrawn in place');
  const before = out.chunks.length;
  progress.aside(() => out.write('a log line\n'));
  t.deepEqual(out.chunks.slice(before, before + 2), ['\r\x1b[2K', 'a log line\n'], 'the bar is cleared before the log line');
  t.regex(out.chunks[before + 2]!, /^ES job \d+\s+░+ 0\/8 ranges/, 'and drawn again after it');
  progress.stop();
  t.is(out.chunks.at(-1), '\r\x1b[2K', 'nothing of the bar is left behind');
});

test('not a terminal: plain lines only, one per event', async (t) => {
  const { dispatcher, api } = await dispatcherWithEsJob(t);
  const out = output(false);
  const progress = new DemoProgress(out, dispatcher, { bars: true });
  progress.start();
  const job = (await api.getJob({ siteName: 'X' }))!;
  await until(() => out.text.includes('started'));
  await sleep(250); // more ticks: nothing more is written without a new event
  progress.stop();
  t.is(out.text, `▶ ES job ${job.pandaId} started\n`);
});

test('each tick reads the dispatcher\'s counts, never a snapshot of its state', async (t) => {
  const { dispatcher, api } = await dispatcherWithEsJob(t);
  let snapshots = 0;
  let counts = 0;
  const spy = {
    counts: () => { counts++; return dispatcher.counts(); },
    snapshot: () => { snapshots++; return dispatcher.snapshot(); },
  };
  const out = output(false);
  const progress = new DemoProgress(out, spy, { bars: true });
  progress.start();
  const job = (await api.getJob({ siteName: 'X' }))!;
  const ranges = await api.getEventRanges({ pandaId: job.pandaId, jobsetId: job.jobsetId!, nRanges: 8 });
  await api.updateEventRanges(ranges.map((r) => ({ eventRangeId: r.id, eventStatus: 'finished' as const })));
  await until(() => out.text.includes('ranges done: 8/8'));
  progress.stop();
  t.true(counts >= 2);
  t.is(snapshots, 0);
  t.regex(out.text, new RegExp(`▶ ES job ${job.pandaId} started\\n`));
});
