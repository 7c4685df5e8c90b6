/**
 * A dead HPC pilot's job is finished by `espilot recover`: the real CLI runs an hpc-event job
 * (2 payload instances over loopback TCP, embedded dispatcher, file:// object store), is
 * SIGKILLed mid-run, and the recovery stops the instances it left, stores and reports what
 * the journal holds, each range once. Assertions read the dispatcher's records, the object
 * store and the journal. Serial: the pilot and its instances need the machine for the kill
 * to fall inside the job.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JOURNAL_FILE, adler32, formatAdler32, pendingWork, readRangeJournal, type JournalSnapshot } from '../../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../../plugins/panda-local/index.js';
import { SIMULATOR, esTask } from '../../helpers/es-job-harness.js';
import { localSite } from '../../helpers/local-site.js';
import { CLI, runCli } from '../../helpers/run-cli.js';
import { scaled } from '../../helpers/slowdown.js';

const INSTANCES = 2;

/** Live processes working in `dir` or below it (what an instance leaves if nobody stops it). */
async function processesIn(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => '');
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (cwd.startsWith(dir) && state && state !== 'Z' && state !== 'X') found.push(Number(name));
  }
  return found;
}

async function findJournal(workdir: string): Promise<string | undefined> {
  const files = await readdir(workdir, { recursive: true }).catch(() => [] as string[]);
  const hit = files.map(String).find((p) => p.endsWith(JOURNAL_FILE));
  return hit ? join(workdir, hit) : undefined;
}

/** Polls (every 50 ms) until `done` holds or the pilot exits; @returns whether `done` held. */
async function waitFor(done: () => Promise<boolean>, exited: { value: boolean }): Promise<boolean> {
  while (!exited.value) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

interface Scenario {
  readonly taskId: number;
  /** Server acknowledgements withheld until the kill: the journal holds decided, unreported ranges. */
  readonly stallReports: boolean;
  /**
   * Decided ranges (of the task's 48) after which the pilot is SIGKILLed: a count, not a delay,
   * so the kill falls inside the job however slow or loaded the machine is.
   */
  readonly killAfter: number;
}

async function killAndRecover(t: ExecutionContext, sc: Scenario): Promise<void> {
  const site = await localSite();
  const task = esTask({
    taskId: sc.taskId, files: 2, events: 24, coreCount: 2,
    jobPars: `${SIMULATOR} --endpoint=$PILOT_EVENTRANGECHANNEL --outputFile={outputLFN} --outputBytes=200 --workers=2 --timePerEventMs=60`,
  });
  const dispatcher: DispatcherHandle = await startDispatcher({ task: await site.placeInputs(task) });
  t.teardown(async () => { await dispatcher.stop(); await site.remove(); });
  const siteFile = join(site.root, 'site.json');
  const layer = site.layer(
    {
      server: { url: dispatcher.url, retries: 1, backoffBaseMs: 20, backoffMaxMs: 100, requestTimeoutMs: scaled(2000) },
      eventService: { reportIntervalMs: 30 },
      pluginOptions: { 'hpc-event': { instances: INSTANCES, settleMs: 150, finalFlushS: 20 } },
    },
    { catchall: 'HPC_test' },
  );
  await writeFile(siteFile, JSON.stringify({ ...layer.pilot, queuedata: layer.queuedata }));
  if (sc.stallReports) dispatcher.injectFault({ command: 'updateEventRanges', kind: 'stall', times: 100_000 });

  const pilot = spawn(process.execPath, [CLI, 'run', '--config', siteFile, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pilotOut = '';
  pilot.stderr.on('data', (d: Buffer) => { pilotOut += d.toString(); });
  const exited = { value: false };
  const exit = new Promise<void>((resolve) => pilot.on('exit', () => { exited.value = true; resolve(); }));
  let before: JournalSnapshot | undefined;
  const midRun = await waitFor(async () => {
    const path = await findJournal(site.workdir);
    if (!path) return false;
    before = await readRangeJournal(path).catch(() => undefined);
    return [...(before?.ranges.values() ?? [])].filter((s) => s.outcome).length >= sc.killAfter;
  }, exited);
  pilot.kill('SIGKILL');
  await exit;
  t.true(midRun, `the pilot was killed mid-job (it ended on its own otherwise)\n${pilotOut}`);
  const journalPath = (await findJournal(site.workdir))!;
  const jobDir = dirname(journalPath);
  const atDeath = await readRangeJournal(journalPath);
  const unfinished = pendingWork(atDeath);
  t.false(atDeath.closed, 'the dead pilot left work in its journal');
  for (let i = 0; i < INSTANCES; i++) t.true((await readdir(join(jobDir, `instance-${i}`))).length > 0, `instance ${i} ran`);
  const state = JSON.parse(await readFile(join(jobDir, (await readdir(jobDir)).find((f) => /^jobState-.*\.json$/.test(f))!), 'utf8')) as { runJob: string };
  t.is(state.runJob, 'hpc-event');
  if (sc.stallReports) t.true(unfinished.report.length + unfinished.stored.length >= 3, 'decided ranges were left unreported');

  dispatcher.clearFaults();
  const r = await runCli(['recover', '--config', siteFile, '--workdir', site.workdir, '--log-level', 'warn']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.deepEqual(await processesIn(jobDir), [], 'the recovery stopped every instance the dead pilot left');

  const snap = dispatcher.snapshot();
  const es = snap.jobs.find((j) => j.kind === 'es')!;
  const outLfn = String(es.definition['outFiles']).split(',')[0]!;
  // Nothing twice.
  for (const range of snap.ranges) t.true(range.reports.length <= 1, `range ${range.key}: ${range.reports.length} applied reports`);
  // Every output the journal holds is reported once; a finished one is stored with the journaled bytes.
  const stored = new Set(await readdir(join(site.osDir, 'es')));
  const after = await readRangeJournal(journalPath);
  let outputs = 0;
  for (const s of after.ranges.values()) {
    if (!s.outputs) continue;
    outputs++;
    const rec = snap.ranges.find((x) => x.eventRangeId === s.range.id);
    t.is(rec?.reports.length, 1, `range ${s.range.id} produced output but has ${rec?.reports.length ?? 0} applied reports`);
    t.is(rec?.reports[0]?.status, 'finished', `range ${s.range.id}`);
    t.true(stored.has(`${outLfn}.${s.range.id}`), `range ${s.range.id} finished without its object`);
    const bytes = await readFile(join(site.osDir, 'es', `${outLfn}.${s.range.id}`));
    t.is(s.stored?.[0]?.checksum, `ad:${formatAdler32(adler32(bytes))}`);
  }
  t.true(outputs >= 3);
  t.true(after.closed, 'the recovery left nothing in the journal');
  t.deepEqual(pendingWork(after).report, []);
  t.deepEqual(pendingWork(after).upload, []);
  // Ranges the dead pilot never got an output for are left to the server (not reported).
  for (const s of after.ranges.values()) if (!s.outputs) t.is(snap.ranges.find((x) => x.eventRangeId === s.range.id)?.reports.length ?? 0, 0);
  // One final update, from the recovery: finished (no output was lost).
  const finals = snap.jobUpdates.filter((u) => u.pandaId === es.pandaId && ['finished', 'failed', 'holding'].includes(u.state ?? '') && u.outcome === 'applied');
  t.deepEqual(finals.map((f) => f.state), ['finished'], r.stdout);
}

test.serial('hpc-event: pilot SIGKILLed while its range reports go unacknowledged; recover reports every journaled output once', async (t) => {
  await killAndRecover(t, { taskId: 731, stallReports: true, killAfter: 3 });
});

for (const [seed, killAfter] of [[1, 5], [2, 12]] as const) {
  test.serial(`hpc-event: pilot SIGKILLed mid-run (after ${killAfter} decided ranges, seed ${seed}); recover stores and reports what was left, each once`, async (t) => {
    await killAndRecover(t, { taskId: 740 + seed, stallReports: false, killAfter });
  });
}
