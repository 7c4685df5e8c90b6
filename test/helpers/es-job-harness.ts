/**
 * Runs one real ES job: the embedded dispatcher (issue-3) on loopback, a run with a
 * `file://` storage element holding the task's inputs and a `file://` object store (mover-local), the real PanDA client, RunJobEvent with the real
 * ZeroMQ channel, and the payload simulator as the payload. Checks read the dispatcher's
 * snapshot and the object store, never the pilot's logs.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ChecksumStore, JOURNAL_FILE, JobControlSource, bindJob, PandaApi, PandaClient, RunJob, adler32, formatAdler32, readRangeJournal,
  type ChecksumStore as Store, type JobControl, type JobDefinition, type JobOutcome, type JournalSnapshot, type RunJob as RunJobT,
} from '../../core/index.js';
import { startDispatcher, type DispatcherHandle, type DispatcherSnapshot } from '../../plugins/panda-local/index.js';
import { verifySimulatorOutput } from '../../plugins/payload-simulator/index.js';
import { makeRun, type TestRun } from './make-run.js';
import { scaled } from './slowdown.js';
import { tempDir } from './temp-dir.js';

export const SIMULATOR = '${ESPILOT_ROOT}/dist/plugins/payload-simulator/athenamp-simulator.js';

/** A small ES task: `files` inputs of `events` events, one event per range. */
export function esTask(over: { taskId?: number; files?: number; events?: number; coreCount?: number; simulatorArgs?: string; jobPars?: string; maxAttempts?: number } = {}): Record<string, unknown> {
  const taskId = over.taskId ?? 501;
  return {
    taskId, eventService: true, coreCount: over.coreCount ?? 2, eventsPerRange: 1, maxAttempts: over.maxAttempts ?? 3, scope: 'mc_test',
    inputFiles: Array.from({ length: over.files ?? 2 }, (_, i) => ({ lfn: `EVNT.${taskId}._${i + 1}.pool.root.1`, guid: `0A1B2C3D-0000-4000-8000-${String(taskId).padStart(6, '0')}${String(i + 1).padStart(6, '0')}`, events: over.events ?? 3 })),
    output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1' },
    payload: { transformation: 'node', jobPars: over.jobPars ?? `${SIMULATOR} --channel=$PILOT_EVENTRANGECHANNEL --outputFile={outputLFN} --outputBytes=200 ${over.simulatorArgs ?? '--workers=2'}` },
    merge: { transformation: 'node', jobPars: '${ESPILOT_ROOT}/dist/plugins/payload-simulator/merge-simulator.js --inputFile=@inputFor_{outputLFN} --outputFile={outputLFN}' },
  };
}

export interface EsJobSetup {
  readonly task?: Record<string, unknown>;
  /** `pilot.eventService` overrides. */
  readonly eventService?: Record<string, unknown>;
  /** `pluginOptions.event` overrides. */
  readonly runJob?: Record<string, unknown>;
  /** Other `pilot` settings (experiment, plugins, ...). */
  readonly pilot?: Record<string, unknown>;
  /** `pilot.server` overrides. */
  readonly server?: Record<string, unknown>;
  /** `pilot.experiment`; default generic. */
  readonly experiment?: string;
  /** Other `pilot.pluginOptions` sections (e.g. `hpc-event`). */
  readonly pluginOptions?: Record<string, unknown>;
  /** Queuedata overrides; default: objectstore `eventservice^file://<store>/es`. */
  readonly queuedata?: (store: string) => Record<string, unknown>;
}

export class EsJobHarness {
  private constructor(
    readonly dispatcher: DispatcherHandle,
    readonly run: TestRun,
    readonly panda: PandaClient,
    readonly store: string,
    readonly workdir: string,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(setup: EsJobSetup = {}): Promise<EsJobHarness> {
    const store = await tempDir('espilot-os-');
    const work = await tempDir('espilot-job-');
    const task = setup.task ?? esTask();
    // The storage element (`<store>/se`: inputs, activity pr; the log, pl) holds the task's inputs.
    const seDir = join(store.path, 'se');
    await mkdir(seDir, { recursive: true });
    for (const f of (task['inputFiles'] as Array<{ lfn: string }> | undefined) ?? []) await writeFile(join(seDir, f.lfn), inputBytes(f.lfn));
    const dispatcher = await startDispatcher({ task });
    const run = await makeRun({
      cli: {
        pilot: {
          ...setup.pilot,
          // The dispatcher answers from this very process: on a starved machine its answers are as slow as the test.
          server: { url: dispatcher.url, retries: 1, backoffBaseMs: 20, backoffMaxMs: 200, requestTimeoutMs: scaled(3000), connectTimeoutMs: scaled(2000), ...setup.server },
          eventService: { reportIntervalMs: 20, payloadGraceS: 20, killGraceS: 2, maxWaitForEventS: 30, ...setup.eventService },
          pluginOptions: { event: { settleMs: 150, finalFlushS: 20, ...setup.runJob }, ...setup.pluginOptions },
          ...(setup.experiment ? { experiment: setup.experiment } : {}),
        },
        queuedata: withStorageElement(pathToFileURL(seDir).href, setup.queuedata?.(store.path) ?? {
          ddmendpoints: { OS_ES: { endpoint: pathToFileURL(join(store.path, 'es')).href, id: ES_STORE_ID } }, astorages: { es_events: ['OS_ES'] },
        }),
      },
      env: { PATH: process.env['PATH'] },
    });
    const panda = PandaClient.fromRun(run, {});
    run.resolver.provide(PandaApi, panda);
    return new EsJobHarness(dispatcher, run, panda, store.path, work.path, async () => {
      panda.close();
      await run.dispose();
      await dispatcher.stop();
      await store.remove();
      await work.remove();
    });
  }

  async getJob(): Promise<JobDefinition> {
    const job = await this.panda.getJob({ siteName: 'TEST' });
    if (!job) throw new Error('the dispatcher has no job');
    return job;
  }

  /**
   * Runs the job to its outcome; `control` (the pilot's own JobControlSource, as the pilot
   * loop gives every job) lets a test softkill or kill it with a signal's or command's code.
   */
  async runJob(job: JobDefinition, control: JobControl = new JobControlSource(), runJobName = 'event'): Promise<JobOutcome> {
    const runJob = this.run.resolver.get<RunJobT>(RunJob, runJobName);
    return runJob.run({ job, workdir: this.workdir, control, binding: bindJob(this.run.resolver, job) });
  }

  snapshot(): DispatcherSnapshot {
    return this.dispatcher.snapshot();
  }

  journal(): Promise<JournalSnapshot> {
    return readRangeJournal(join(this.workdir, JOURNAL_FILE));
  }

  /** Object names in the ES store (checksum catalog excluded). */
  async storedNames(): Promise<string[]> {
    const names = await readdir(join(this.store, 'es')).catch(() => [] as string[]);
    return names.filter((n) => !n.startsWith('.')).sort();
  }

  /**
   * Checks one stored object: the bytes are what the simulator wrote for that range, and the
   * checksum store holds their adler32 and size. @returns a problem, or undefined.
   */
  async checkObject(name: string, eventRangeId: string, base = join(this.store, 'es')): Promise<string | undefined> {
    const path = join(base, name);
    const bytes = await readFile(path);
    const v = verifySimulatorOutput(bytes, { eventRangeId, name });
    if (!v.ok) return `${name}: ${v.reason}`;
    const rec = await this.run.resolver.get<Store>(ChecksumStore, 'local').lookup(pathToFileURL(path).href);
    const want = formatAdler32(adler32(bytes));
    if (rec?.size !== bytes.length || !rec.checksums.some((c) => c.type === 'adler32' && c.value === want)) return `${name}: checksum record ${JSON.stringify(rec)} is not adler32 ${want}, ${bytes.length} bytes`;
    return undefined;
  }

  dispose(): Promise<void> {
    return this.cleanup();
  }
}

/** The CRIC id of the harness's default ES object store (the `objstoreID` its finished ranges report). */
export const ES_STORE_ID = 4711;

/** The bytes of a task input on the harness's storage element. */
export function inputBytes(lfn: string): string {
  return `input file ${lfn}\n`;
}

/** Queuedata `q` with the storage element `SE` (activities pr and pl) added to its storages. */
function withStorageElement(seUrl: string, q: Record<string, unknown>): Record<string, unknown> {
  const obj = (k: string) => (q[k] ?? {}) as Record<string, unknown>;
  return {
    ...q,
    ddmendpoints: { SE: { endpoint: seUrl, id: 1 }, ...obj('ddmendpoints') },
    astorages: { pr: ['SE'], pl: ['SE'], ...obj('astorages') },
    acopytools: { pr: ['local'], pl: ['local'], ...obj('acopytools') },
  };
}

/** Final reports per range ID in the dispatcher's update log (applied or no-op), by status. */
export function finalReports(s: DispatcherSnapshot): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const u of s.rangeUpdates) {
    if (!u.eventRangeId || !['finished', 'failed', 'fatal'].includes(u.eventStatus ?? '')) continue;
    out.set(u.eventRangeId, [...(out.get(u.eventRangeId) ?? []), u.eventStatus!]);
  }
  return out;
}

/** The range IDs the dispatcher handed to a job. */
export function dispatchedIds(s: DispatcherSnapshot, pandaId: string): string[] {
  return s.dispatches.filter((d) => d.pandaId === pandaId).flatMap((d) => d.eventRangeIds);
}
