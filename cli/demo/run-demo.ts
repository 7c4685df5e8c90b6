/**
 * `espilot demo`: the whole system in one process on loopback. The embedded PanDA dispatcher
 * serves the demo task; the real pilot loop takes the Event Service job(s) and the merge job
 * the dispatcher then creates, with a local storage element and a `file://` object store
 * (or `--objectstore`); the merged output is downloaded and verified; a summary is printed.
 */
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PandaClient, SecretRegistry, createLogger, createRun, packageRoot, runPilotLoop, type JobRunResult, type PilotRun } from '../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../plugins/panda-local/index.js';
import { demoLogs } from './demo-logging.js';
import type { DemoOptions } from './demo-options.js';
import { DemoProgress, type ProgressOutput } from './demo-progress.js';
import { DEMO_QUEUE, assertObjectstoreMover, defaultDemoWorkdir, placeDemoInputs, prepareDemoSite } from './demo-site.js';
import { demoSummary, formatDemoSummary, jobLabel, type DemoPhase, type DemoSummary } from './demo-summary.js';
import { demoTask } from './demo-task.js';
import { verifyDemoOutput } from './demo-verify.js';

export interface DemoIO {
  readonly stdout: ProgressOutput;
  readonly stderr: { write(text: string): unknown };
  readonly cwd: string;
}

export const DEMO_SUMMARY_FILE = 'demo-summary.json';
export const DISPATCHER_SNAPSHOT_FILE = 'dispatcher-snapshot.json';

/**
 * Runs the demo and prints its summary.
 * @returns the summary; `ok` only when the merged output verified.
 * @throws ConfigError for a bad work directory, site file or object store (before anything runs).
 */
export async function runDemo(o: DemoOptions, io: DemoIO): Promise<DemoSummary> {
  const t0 = Date.now();
  const phases: DemoPhase[] = [];
  const site = await prepareDemoSite(o.workdir ?? defaultDemoWorkdir(io.cwd), o);
  const bare = demoTask(o, packageRoot());
  const placed = await placeDemoInputs(site, bare.inputFiles);
  const task: typeof bare = Object.freeze({ ...bare, inputFiles: Object.freeze(bare.inputFiles.map((f) => Object.freeze({ ...f, ...placed.get(f.lfn) }))) });
  let progress: DemoProgress | undefined;
  const logs = demoLogs(join(site.workdir, 'espilot.log'), o.logLevel, io.stderr, (w) => (progress ? progress.aside(w) : w()));
  const secrets = new SecretRegistry();
  const cleanup: Array<() => Promise<void>> = [() => logs.close()];
  try {
    const dispatcher: DispatcherHandle = await startDispatcher({
      task: { ...task }, secrets, ...(o.keys ? { keysDir: o.keys } : {}), logger: createLogger({ secrets, level: logs.level, format: o.logFormat, sink: logs.sink }),
    });
    cleanup.unshift(() => dispatcher.stop());
    const run: PilotRun = await createRun({
      ...(o.config ? { configPath: o.config } : {}), extraLayers: [site.layer(dispatcher.url)], secrets,
      logLevel: logs.level, logFormat: o.logFormat, logSink: logs.sink,
    });
    cleanup.unshift(() => run.dispose());
    assertObjectstoreMover(run.registry, site.esObjectstoreUrl);
    const api = PandaClient.fromRun(run);
    cleanup.unshift(async () => api.close());
    io.stdout.write(`espilot demo: task ${task.taskId}, ${task.inputFiles.length} files × ${o.events} events, ${o.workers} worker(s)${o.errorRate ? `, error rate ${o.errorRate}` : ''}; work directory ${site.workdir}\n`);
    phases.push({ name: 'setup', seconds: (Date.now() - t0) / 1000 });
    if (o.progress) {
      progress = new DemoProgress(io.stdout, dispatcher, { bars: true });
      progress.start();
    }
    let jobs: readonly JobRunResult[];
    try {
      const loop = await runPilotLoop({
        run, api, request: { siteName: run.settings.queue.name || DEMO_QUEUE, computingElement: run.settings.queue.name, node: hostname(), prodSourceLabel: 'managed' },
        // Every retry round is one more ES job; the merge job may be retried too.
        maxJobs: 2 * o.maxAttempts + 2,
      });
      jobs = loop.jobs;
    } finally {
      progress?.stop();
      progress = undefined;
    }
    for (const j of jobs) phases.push({ name: `${jobLabel(j)} ${j.pandaId}`, seconds: (j.outcome.endTime - j.outcome.startTime) / 1000 });
    const tVerify = Date.now();
    const snapshot = dispatcher.snapshot();
    await writeFile(join(site.workdir, DISPATCHER_SNAPSHOT_FILE), secrets.mask(`${JSON.stringify(snapshot, null, 2)}\n`));
    const verification = await verifyDemoOutput(run, snapshot, join(site.workdir, 'verified'));
    phases.push({ name: 'verify', seconds: (Date.now() - tVerify) / 1000 });
    const summary = demoSummary({
      workdir: site.workdir,
      task: { taskId: task.taskId, files: task.inputFiles.length, eventsPerFile: o.events, workers: o.workers, errorRate: o.errorRate, maxAttempts: o.maxAttempts },
      jobs, snapshot, verification, phases, totalSeconds: (Date.now() - t0) / 1000, logFile: logs.path,
    });
    await writeFile(join(site.workdir, DEMO_SUMMARY_FILE), secrets.mask(`${JSON.stringify(summary, null, 2)}\n`));
    io.stdout.write(secrets.mask(formatDemoSummary(summary)));
    return summary;
  } finally {
    for (const c of cleanup) await c().catch(() => undefined);
  }
}
