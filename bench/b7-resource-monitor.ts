/**
 * B7: the resource monitor's own CPU. A payload tree like AthenaMP's (a shell leading its
 * own process group, a mother and 8 workers, each holding touched memory) is sampled the
 * way the job monitors do (`sampleProcessTree`: stat, status, smaps_rollup and io of every
 * member); the baseline, in the same run, is one `ps` per sample over the same group (what
 * a monitor without its own /proc reader spawns), its child's CPU included. `ps` reads less
 * (no PSS, no I/O): the PSS (smaps_rollup, the kernel walks each process's page tables) is
 * most of a sample's cost, and it is what the memory limit needs. Reported: CPU ms per
 * sample beside `ps`, and the share of one core at the default 60 s interval.
 *
 *   node dist/bench/b7-resource-monitor.js [--quick] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { reapedChildrenCpuSeconds, sampleProcessTree } from '../core/index.js';
import { stats, type BenchRow } from './bench-stats.js';
import { benchMain, rounded } from './bench-support.js';

export interface B7Options {
  readonly quick?: boolean;
  readonly workers?: number;
  /** Samples per repetition. */
  readonly samples?: number;
  readonly reps?: number;
}

export interface B7Result {
  readonly id: 'B7';
  readonly processes: number;
  readonly espilotMsPerSample: readonly number[];
  readonly psMsPerSample: readonly number[];
  readonly intervalS: number;
  /** Percent of one core at `intervalS`, per repetition. */
  readonly sharePercent: readonly number[];
  readonly goalSharePercent: number;
}

const WORKER = "const keep = Buffer.alloc(32 << 20, 1); setInterval(() => keep[0]++, 1000);";

export async function run(o: B7Options = {}): Promise<B7Result> {
  const workers = o.workers ?? 8;
  const samples = o.samples ?? (o.quick ? 20 : 200);
  const reps = o.reps ?? (o.quick ? 3 : 5);
  const node = process.execPath;
  const cmd = `${Array.from({ length: workers }, () => `'${node}' -e "${WORKER}" &`).join(' ')} exec '${node}' -e "${WORKER}"`;
  const tree = spawn('/bin/sh', ['-c', cmd], { detached: true, stdio: 'ignore' });
  const pgid = tree.pid!;
  const group = new Set([pgid]);
  try {
    // Until every worker runs and holds its memory.
    for (let i = 0; i < 200 && sampleProcessTree(group).nprocs < workers + 1; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const processes = sampleProcessTree(group).nprocs;
    const espilot: number[] = [];
    const ps: number[] = [];
    for (let r = 0; r < reps; r++) {
      espilot.push(cpuMsPer(samples, () => sampleProcessTree(group)));
      ps.push(cpuMsPer(samples, () => spawnSync('ps', ['-g', String(pgid), '-o', 'pid=,rss=,vsz=,time='], { encoding: 'utf8' })));
    }
    const intervalS = 60;
    return {
      id: 'B7', processes, intervalS, goalSharePercent: 0.1,
      espilotMsPerSample: espilot.map((v) => rounded(v, 3)), psMsPerSample: ps.map((v) => rounded(v, 3)),
      sharePercent: espilot.map((ms) => rounded((ms / (intervalS * 1000)) * 100, 5)),
    };
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** CPU ms per call of `fn`: this process's and its reaped children's. */
function cpuMsPer(n: number, fn: () => unknown): number {
  const c0 = process.cpuUsage();
  const k0 = reapedChildrenCpuSeconds();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  const kids = (reapedChildrenCpuSeconds() - k0) * 1000;
  return ((c.user + c.system) / 1000 + kids) / n;
}

export function rows(r: B7Result): BenchRow[] {
  const ratio = r.espilotMsPerSample.map((v, i) => v / r.psMsPerSample[i]!);
  const share = stats(r.sharePercent);
  return [
    {
      id: 'B7', label: `CPU per sample of a ${r.processes}-process payload tree`, unit: 'ms',
      espilot: stats(r.espilotMsPerSample), baseline: { label: 'one ps per sample', stats: stats(r.psMsPerSample) },
      ratio: stats(ratio), goal: '≤ 2× ps (which reads no PSS)', pass: stats(ratio).median <= 2,
    },
    {
      id: 'B7', label: `resource monitor CPU share at ${r.intervalS} s interval`, unit: '% of a core',
      espilot: share, goal: `≤ ${r.goalSharePercent} %`, pass: share.median <= r.goalSharePercent,
    },
  ];
}

await benchMain(import.meta.url, run, (r) =>
  `B7 resource monitor (${r.processes} processes)\n` +
  `  ${stats(r.espilotMsPerSample).median} ms CPU per sample (ps: ${stats(r.psMsPerSample).median} ms); ${stats(r.sharePercent).median} % of a core at ${r.intervalS} s\n`,
);
