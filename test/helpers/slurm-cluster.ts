/**
 * A real Slurm (Debian's slurm-wlm 22.05) on localhost for tests: munged with its own key and
 * socket, slurmctld and `nodes` slurmd daemons (Debian's slurmd runs several per host with
 * `-N <node>` and a port per node), everything under one temp dir, on free ports. Each node
 * claims `cpusPerNode` CPUs whatever the machine has (`SlurmdParameters=config_overrides`),
 * so several tasks fit on a 2-core machine. Client commands use the cluster through
 * `SLURM_CONF` (`env`). `stop()` cancels every job, waits for its steps to go, then stops
 * the daemons and removes the dir; the service helper kills them if the worker dies first.
 *
 *   let slurm: SlurmCluster;
 *   test.before(async () => { slurm = await startSlurm({ nodes: 2 }); });
 *   test.after.always(() => slurm?.stop());
 */
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { freePorts, isRunning, logTail, spawnService, stopServices, waitFor } from './service-process.js';
import { tempDir } from './temp-dir.js';

export interface SlurmOptions {
  readonly nodes?: number;
  readonly cpusPerNode?: number;
  /** Readiness deadline; default 20 s plus 10 s per node (each slurmd registers on its own). */
  readonly startTimeoutMs?: number;
}

export interface SlurmStep {
  /** `<jobid>.<step>` as scancel takes it. */
  readonly id: string;
  readonly name: string;
}

export interface SlurmCluster {
  readonly dir: string;
  readonly nodes: readonly string[];
  readonly cpusPerNode: number;
  /** Environment for Slurm client commands (`SLURM_CONF`). */
  readonly env: Readonly<Record<string, string>>;
  /** Runs a Slurm client command; @throws Error with its output when it fails or outlasts `timeoutMs`. */
  run(command: string, args: readonly string[], timeoutMs?: number, extraEnv?: Readonly<Record<string, string>>): Promise<string>;
  /** `sbatch --parsable` with `env` added to the job's environment; @returns the job id. */
  sbatch(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<string>;
  /** The job's running steps (batch and extern steps left out). */
  steps(jobId: string): Promise<SlurmStep[]>;
  /** Whether squeue still lists the job. */
  isQueued(jobId: string): Promise<boolean>;
  /** The daemons' log tails, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startSlurm(options: SlurmOptions = {}): Promise<SlurmCluster> {
  const nodeCount = options.nodes ?? 2;
  const cpus = options.cpusPerNode ?? 4;
  const tmp = await tempDir('espilot-slurm-');
  const dir = tmp.path;
  const mungeKeyDir = join(dir, 'munge-key');
  const mungeDir = join(dir, 'munge');
  for (const d of [mungeKeyDir, mungeDir, join(dir, 'state'), join(dir, 'log')]) await mkdir(d, { recursive: true });
  // munged refuses a key others can read and a socket dir others cannot enter.
  await chmod(dir, 0o755);
  await chmod(mungeKeyDir, 0o700);
  await chmod(mungeDir, 0o755);
  const key = join(mungeKeyDir, 'munge.key');
  await writeFile(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(mungeDir, 'munge.socket');
  const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  for (const n of nodes) await mkdir(join(dir, 'spool', n), { recursive: true });
  const [ctldPort, slurmdPort, ...nodePorts] = await freePorts(2 + nodeCount);
  const conf = join(dir, 'slurm.conf');
  await writeFile(conf, [
    'ClusterName=espilot',
    `SlurmctldHost=${hostname()}(127.0.0.1)`,
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${slurmdPort}`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${socket}`,
    `SlurmUser=${process.getuid?.() === 0 ? 'root' : process.env['USER'] ?? 'root'}`,
    `StateSaveLocation=${join(dir, 'state')}`,
    `SlurmdSpoolDir=${join(dir, 'spool', '%n')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(dir, 'slurmd-%n.pid')}`,
    `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(dir, 'log', 'slurmd-%n.log')}`,
    // No cgroups: the tasks stay plain processes of this machine (the tests look at them).
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SwitchType=switch/none',
    'MpiDefault=none',
    'SchedulerType=sched/backfill',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'SlurmdParameters=config_overrides',
    'ReturnToService=2',
    'InactiveLimit=0',
    'KillWait=5',
    'MinJobAge=300',
    ...nodes.map((n, i) => `NodeName=${n} NodeHostname=${hostname()} NodeAddr=127.0.0.1 Port=${nodePorts[i]} CPUs=${cpus} State=UNKNOWN`),
    `PartitionName=test Nodes=${nodes.join(',')} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n'));
  const env = { SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const logs = () => [
    logTail(join(dir, 'log', 'munged.log'), 5), logTail(join(dir, 'log', 'slurmctld.log')),
    ...nodes.map((n) => logTail(join(dir, 'log', `slurmd-${n}.log`), 10)),
  ].join('\n');
  const run = (command: string, args: readonly string[], timeoutMs = 30_000, extraEnv: Readonly<Record<string, string>> = {}) => new Promise<string>((resolve, reject) => {
    execFile(command, [...args], { env: { ...process.env, ...extraEnv, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
  const isQueued = async (jobId: string) => (await run('squeue', ['-h', '-j', jobId, '-o', '%i']).catch(() => '')).trim() !== '';
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (children.every(isRunning)) {
      // slurmstepd outlives slurmd by design: the jobs go first, or their tasks stay behind.
      await run('scancel', ['--full', '--user', String(process.getuid?.() ?? 0)], 10_000).catch(() => undefined);
      await waitFor('the cluster\'s jobs to end', async () => ((await run('squeue', ['-h', '-o', '%i']).catch(() => '')).trim() === '' ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 }).catch(() => undefined);
    }
    await stopServices(children);
    await tmp.remove();
  };
  try {
    children.push(spawnService('munged', ['--foreground', '--force', `--socket=${socket}`, `--key-file=${key}`, `--log-file=${join(dir, 'log', 'munged.log')}`, `--pid-file=${join(mungeDir, 'munged.pid')}`, `--seed-file=${join(mungeDir, 'munged.seed')}`], join(dir, 'log', 'munged.out')));
    await waitFor('munged socket', async () => ((await readdir(mungeDir)).includes('munge.socket') ? true : undefined), { timeoutMs: 10_000, intervalMs: 50, alive: () => isRunning(children[0]!), diagnostics: logs });
    children.push(spawnService('slurmctld', ['-D', '-f', conf], join(dir, 'log', 'slurmctld.out'), { env: { ...process.env, ...env } }));
    for (const n of nodes) children.push(spawnService('slurmd', ['-D', '-f', conf, '-N', n], join(dir, 'log', `slurmd-${n}.out`), { env: { ...process.env, ...env } }));
    await waitFor('every slurmd idle', async () => {
      const out = await run('sinfo', ['-h', '-N', '-o', '%N %t'], 10_000).catch(() => '');
      const idle = out.split('\n').filter((l) => / idle$/.test(l.trim())).length;
      return idle === nodeCount ? true : undefined;
    }, { timeoutMs: options.startTimeoutMs ?? 20_000 + 10_000 * nodeCount, intervalMs: 200, alive: () => children.every(isRunning), diagnostics: logs });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    dir, nodes, cpusPerNode: cpus, env, run, isQueued, logs, stop,
    sbatch: async (args, jobEnv = {}) => (await run('sbatch', ['--parsable', '--export=ALL', ...args], 30_000, jobEnv)).trim().split(';')[0]!,
    steps: async (jobId) => (await run('squeue', ['-h', '-s', '-j', jobId, '-o', '%i %j']).catch(() => ''))
      .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 2 && /^\d+\.\d+$/.test(f[0]!)).map(([id, name]) => ({ id: id!, name: name! })),
  };
}
