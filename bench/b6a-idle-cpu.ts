/**
 * B6a (performance-reliability.md §5): the pilot's own CPU while it serves a realistic
 * rate, ~8 ranges/s (8 simulator workers at 1 s per event). The whole RunJobEvent runs:
 * real PanDA client against the embedded dispatcher in its own process (`espilot
 * serve-panda`), ZeroMQ channel, journal, stage-out to a file:// object store through
 * mover-local, batched reports. Only this process (the pilot) is measured, over the steady
 * part of the job. Goal: ≤ 2 % of one core, i.e. no polling loops.
 *
 *   node dist/bench/b6a-idle-cpu.js [--quick] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobControlSource, PandaApi, PandaClient, RunJob, bindJob, createRun, siteQueuedata, type RunJob as RunJobT } from '../core/index.js';
import { packageRoot, stableGuid } from '../plugins/panda-local/index.js';
import { stats, type BenchRow } from './bench-stats.js';
import { benchMain, rounded } from './bench-support.js';

export interface B6aOptions {
  readonly quick?: boolean;
  /** Seconds of serving (default 60, quick 12). */
  readonly durationS?: number;
  readonly workers?: number;
  readonly timePerEventMs?: number;
}

export interface B6aResult {
  readonly id: 'B6a';
  readonly durationS: number;
  readonly rangesPerS: number;
  /** Pilot CPU (user + system, all threads) over the steady window, percent of one core. */
  readonly cpuPercent: number;
  /** The user-space part of it (the rest is the kernel: fsync, sockets). */
  readonly userPercent: number;
  readonly cpuMsPerRange: number;
  readonly jobState: string;
  readonly goal: 2;
  readonly pass: boolean;
  /** CPU percent of each window of the steady part (`windowS` long): shows spikes a mean hides. */
  readonly windowS: number;
  readonly windowSamples: readonly number[];
}

export async function run(options: B6aOptions = {}): Promise<B6aResult> {
  const durationS = options.durationS ?? (options.quick ? 12 : 60);
  const workers = options.workers ?? 8;
  const perEvent = options.timePerEventMs ?? 1000;
  const events = Math.round((durationS * workers * 1000) / perEvent);
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b6a-'));
  const taskFile = join(dir, 'task.json');
  await writeFile(taskFile, JSON.stringify({
    taskId: 6, eventService: true, coreCount: workers, eventsPerRange: 1, maxAttempts: 3, scope: 'mc_bench',
    inputFiles: [{ lfn: 'EVNT.6._000001.pool.root.1', guid: stableGuid('bench-b6a-1'), events }],
    output: { lfn: 'HITS.6._{serial}.pool.root.1' },
    payload: { transformation: 'node', jobPars: `\${ESPILOT_ROOT}/dist/plugins/payload-simulator/athenamp-simulator.js --channel=$PILOT_EVENTRANGECHANNEL --workers=${workers} --outputFile={outputLFN} --timePerEventMs=${perEvent} --outputBytes=4096` },
    merge: { transformation: 'true', jobPars: '' },
  }));
  await mkdir(join(dir, 'se'));
  await writeFile(join(dir, 'se', 'EVNT.6._000001.pool.root.1'), 'B6a input\n');
  const server = await startServer(taskFile);
  const pilot = await createRun({
    logLevel: 'warn',
    env: {},
    cli: {
      pilot: { server: { url: server.url }, eventService: { payloadGraceS: 60, killGraceS: 5 } },
      // ES jobs stage in their input: it lies on the queue's storage element.
      queuedata: siteQueuedata({ name: 'BENCH', storageUrl: pathToFileURL(join(dir, 'se')).href, esObjectstoreUrl: pathToFileURL(join(dir, 'os')).href, coreCount: workers }),
    },
  });
  const panda = PandaClient.fromRun(pilot, {});
  pilot.resolver.provide(PandaApi, panda);
  const samples: { t: number; cpu: number; user: number }[] = [];
  const sample = () => {
    const c = process.cpuUsage();
    samples.push({ t: performance.now(), cpu: (c.user + c.system) / 1000, user: c.user / 1000 });
  };
  try {
    const job = await panda.getJob({ siteName: 'BENCH' });
    if (!job) throw new Error('B6a: the dispatcher gave no job');
    const workdir = join(dir, 'work');
    await mkdir(workdir);
    sample();
    const timer = setInterval(sample, 1000);
    const outcome = await pilot.resolver.get<RunJobT>(RunJob, 'event').run({ job, workdir, control: new JobControlSource(), binding: bindJob(pilot.resolver, job) });
    clearInterval(timer);
    sample();
    const start = samples[0]!.t;
    const end = samples[samples.length - 1]!.t;
    // The steady part: after start-up (payload launch, first fetch), before the drain.
    const steady = samples.filter((s) => s.t >= start + 3000 && s.t <= end - 3000);
    if (steady.length < 2) throw new Error('B6a: the job was too short to measure');
    const a = steady[0]!;
    const b = steady[steady.length - 1]!;
    const cpuPercent = ((b.cpu - a.cpu) / (b.t - a.t)) * 100;
    const windowS = durationS >= 30 ? 10 : 2;
    const windowSamples: number[] = [];
    for (let i = 0, j = 0; j < steady.length; j++) {
      if (steady[j]!.t - steady[i]!.t < windowS * 1000 - 1) continue;
      windowSamples.push(rounded(((steady[j]!.cpu - steady[i]!.cpu) / (steady[j]!.t - steady[i]!.t)) * 100, 2));
      i = j;
    }
    const userPercent = ((b.user - a.user) / (b.t - a.t)) * 100;
    const seconds = (end - start) / 1000;
    const rate = outcome.nEvents / seconds;
    return {
      id: 'B6a', durationS: rounded(seconds), rangesPerS: rounded(rate, 2), cpuPercent: rounded(cpuPercent, 2), userPercent: rounded(userPercent, 2),
      cpuMsPerRange: rounded(((b.cpu - a.cpu) / ((b.t - a.t) / 1000)) / rate, 3), jobState: outcome.state, goal: 2, pass: cpuPercent <= 2,
      windowS, windowSamples: windowSamples.length ? windowSamples : [rounded(cpuPercent, 2)],
    };
  } finally {
    panda.close();
    await pilot.dispose();
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
}

/** The harness's table line: an absolute goal, no baseline (min/median/max over windows of the steady part). */
export function rows(r: B6aResult): BenchRow[] {
  return [{
    id: 'B6a', label: `pilot CPU at ${r.rangesPerS} ranges/s (${r.windowS} s windows)`, unit: '% of a core',
    espilot: stats(r.windowSamples), goal: `≤ ${r.goal} % (whole steady part: ${r.cpuPercent} %)`, pass: r.pass,
  }];
}

/** `espilot serve-panda` in its own process; resolves with its URL. */
async function startServer(taskFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'cli', 'main.js'), 'serve-panda', '--task', taskFile, '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`serve-panda ended (${code}): ${text}`)));
  });
  return { child, url };
}

await benchMain(import.meta.url, run, (result) =>
  `B6a idle overhead (whole ES job, ${result.durationS} s at ${result.rangesPerS} ranges/s, job ${result.jobState})\n` +
  `  pilot CPU: ${result.cpuPercent} % of one core (user ${result.userPercent} %; ${result.cpuMsPerRange} ms per range), goal ≤ ${result.goal} %: ${result.pass ? 'PASS' : 'ABOVE GOAL'}\n`,
);
