/**
 * One HPC ES job the way a site runs it: the embedded dispatcher on loopback, a `file://`
 * site, and `examples/hpc-slurm/espilot-hpc.sbatch` submitted unchanged to a real Slurm
 * (slurm-cluster.ts) with the example's `hpc-site.json` as the site layer (the test's
 * server, work directory and storage added, its hpc-event options overridable). The pilot
 * runs in the batch step and starts each payload instance (the simulator) with the
 * template's launcher: `srun` steps by default. Checks read the dispatcher, the object store,
 * the journal, the instances' directories and Slurm's own job record.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOURNAL_FILE, readRangeJournal, type JournalSnapshot } from '../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../plugins/panda-local/index.js';
import { SIMULATOR, esTask } from './es-job-harness.js';
import { localSite, type LocalSite } from './local-site.js';
import { CLI } from './run-cli.js';
import type { SlurmCluster } from './slurm-cluster.js';

const EXAMPLE = join(fileURLToPath(new URL('.', import.meta.url)), '../../../examples/hpc-slurm');
export const SBATCH_SCRIPT = join(EXAMPLE, 'espilot-hpc.sbatch');
export const SITE_LAYER = join(EXAMPLE, 'hpc-site.json');

export interface SlurmHpcSetup {
  readonly taskId: number;
  readonly files?: number;
  readonly events?: number;
  readonly timePerEventMs?: number;
  /** More simulator arguments (may name variables a test's launch template sets per instance). */
  readonly simulatorArgs?: string;
  /** Overrides of the example's `pluginOptions.hpc-event`. */
  readonly hpc?: Record<string, unknown>;
  /** The job's time limit in minutes (sbatch --time; default 5): every wait is bounded by it. */
  readonly timeLimitMin?: number;
  /**
   * Seconds before the limit Slurm signals the pilot (sbatch --signal=B:USR1@N, the script's
   * own is 900 s, more than a test's limit); default 60.
   */
  readonly signalBeforeS?: number;
  /** Extra sbatch options (command-line options override the script's #SBATCH lines). */
  readonly sbatch?: readonly string[];
  /** Jobs the pilot runs (the script's ESPILOT_MAX_JOBS; default 2 = the ES job and its merge job). */
  readonly maxJobs?: number;
}

export interface SlurmJobRecord {
  readonly state: string;
  readonly exitCode: string;
  readonly timeLimit: string;
}

export class SlurmHpcJob {
  private constructor(
    readonly slurm: SlurmCluster,
    readonly site: LocalSite,
    readonly dispatcher: DispatcherHandle,
    readonly siteFile: string,
    readonly outputFile: string,
    readonly jobId: string,
  ) {}

  static async submit(slurm: SlurmCluster, setup: SlurmHpcSetup): Promise<SlurmHpcJob> {
    const site = await localSite();
    const task = esTask({
      taskId: setup.taskId, files: setup.files ?? 2, events: setup.events ?? 6, coreCount: 1,
      jobPars: `${SIMULATOR} --endpoint=$PILOT_EVENTRANGECHANNEL --outputFile={outputLFN} --outputBytes=200 --workers=1 --timePerEventMs=${setup.timePerEventMs ?? 50} --trace=trace.jsonl --jobNumber=1 ${setup.simulatorArgs ?? ''}`,
    });
    const dispatcher = await startDispatcher({ task: await site.placeInputs(task) });
    const example = JSON.parse(await readFile(SITE_LAYER, 'utf8')) as { pluginOptions: { 'hpc-event': Record<string, unknown> }; queuedata: Record<string, unknown> };
    const layer = site.layer(
      {
        server: { url: dispatcher.url, retries: 2, backoffBaseMs: 20, backoffMaxMs: 200, requestTimeoutMs: 5000 },
        eventService: { reportIntervalMs: 30 },
        pluginOptions: { 'hpc-event': { ...example.pluginOptions['hpc-event'], settleMs: 150, finalFlushS: 20, ...setup.hpc } },
      },
      example.queuedata,
    );
    const siteFile = join(site.root, 'hpc-site.json');
    await writeFile(siteFile, JSON.stringify({ ...layer.pilot, queuedata: layer.queuedata }, null, 2));
    const outputFile = join(site.root, 'slurm.out');
    let jobId: string;
    try {
      jobId = await slurm.sbatch(
        [`--output=${outputFile}`, `--chdir=${site.root}`, `--time=${setup.timeLimitMin ?? 5}`, `--signal=B:USR1@${setup.signalBeforeS ?? 60}`, ...(setup.sbatch ?? []), SBATCH_SCRIPT],
        { ESPILOT: `${process.execPath} ${CLI}`, ESPILOT_SITE: siteFile, ESPILOT_MAX_JOBS: String(setup.maxJobs ?? 2) },
      );
    } catch (err) {
      await dispatcher.stop();
      await site.remove();
      throw err;
    }
    return new SlurmHpcJob(slurm, site, dispatcher, siteFile, outputFile, jobId);
  }

  /** The batch job's output: the script's line and the pilot's log. */
  output(): Promise<string> {
    return readFile(this.outputFile, 'utf8').catch(() => '');
  }

  /** Slurm's record of the job (`scontrol show job`; kept MinJobAge after it ends). */
  async record(): Promise<SlurmJobRecord> {
    const text = await this.slurm.run('scontrol', ['show', 'job', '-o', this.jobId]);
    const field = (name: string) => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(text)?.[1] ?? '';
    return { state: field('JobState'), exitCode: field('ExitCode'), timeLimit: field('TimeLimit') };
  }

  /**
   * Waits until Slurm no longer runs the job. The bound is the job's own time limit (Slurm
   * ends it there) plus the kill wait and a margin, so it holds on a slow machine too.
   * @throws Error with the pilot's output and the daemons' logs when the job outlives it.
   */
  async waitEnd(): Promise<SlurmJobRecord> {
    const limit = await this.record();
    const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(limit.timeLimit);
    const limitS = m ? Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]) : 600;
    const deadline = Date.now() + (limitS + 60) * 1000;
    for (;;) {
      const r = await this.record();
      if (!['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED', 'SIGNALING', 'STAGE_OUT'].includes(r.state)) return r;
      if (Date.now() > deadline) throw new Error(`Slurm job ${this.jobId} still ${r.state} past its time limit\n${await this.output()}\n${this.slurm.logs()}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  private firstJobDir: string | undefined;

  /** The first ES job's directory (the one holding the range journal), once the pilot made it. */
  async jobDir(): Promise<string | undefined> {
    if (this.firstJobDir) return this.firstJobDir;
    const files = await readdir(this.site.workdir, { recursive: true }).catch(() => [] as string[]);
    const hit = files.map(String).find((p) => p.endsWith(JOURNAL_FILE));
    return (this.firstJobDir = hit ? join(this.site.workdir, hit.slice(0, -JOURNAL_FILE.length)) : undefined);
  }

  async journal(): Promise<JournalSnapshot | undefined> {
    const dir = await this.jobDir();
    return dir ? readRangeJournal(join(dir, JOURNAL_FILE)).catch(() => undefined) : undefined;
  }

  /** Instance i's payload trace: the simulator's own record of the ranges it received and made. */
  async trace(instance: number): Promise<Array<{ e: string; id?: string }>> {
    const dir = await this.jobDir();
    if (!dir) return [];
    const text = await readFile(join(dir, `instance-${instance}`, 'trace.jsonl'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).flatMap((l) => { try { return [JSON.parse(l) as { e: string; id?: string }]; } catch { return []; } });
  }

  /** Instance i's stdout (the simulator's start line names its --jobNumber). */
  async instanceStdout(instance: number): Promise<string> {
    const dir = await this.jobDir();
    return dir ? readFile(join(dir, `instance-${instance}`, 'ES_payload_output.txt'), 'utf8').catch(() => '') : '';
  }

  /**
   * Polls (every 100 ms) until `done` holds or the job ends; @returns whether `done` held.
   */
  async until(done: () => Promise<boolean>): Promise<boolean> {
    for (;;) {
      if (await done()) return true;
      if (!(await this.slurm.isQueued(this.jobId))) return done();
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async dispose(): Promise<void> {
    await this.slurm.run('scancel', [this.jobId]).catch(() => undefined);
    await this.dispatcher.stop();
    await this.site.remove();
  }
}
