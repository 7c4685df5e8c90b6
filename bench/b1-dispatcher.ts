/**
 * B1 (performance-reliability.md §5): event ranges per second through the pilot's channel
 * and dispatcher loop (ZeroMQ channel, message parser, range tracker with its fsync'd
 * journal, range source, output naming, reporter), served to W = 1, 2, 8 zero-compute
 * payload-simulator workers; outputs are acknowledged, not uploaded, and the server is an
 * in-process stub that acknowledges at once (B2 measures the real client). Beside it, in
 * the same run and interleaved: a raw ZeroMQ ROUTER/DEALER `Ready for events` ping-pong
 * between two processes. Goal: W=1 ≥ 0.5 × the raw round-trip rate. Also the latency of
 * each `Ready for events` received → its range sent, p50 and p99 (a timed run per
 * repetition at W=1, one per other W); goal p99 ≤ 2 ms at W=1 on a quiet machine, reported
 * whether met or not.
 *
 *   node dist/bench/b1-dispatcher.js [--quick] [--json]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'zeromq';
import { createRun, newChannelName, type EventRange } from '../core/index.js';
import { packageRoot } from '../plugins/panda-local/index.js';
import { stats, type BenchRow } from './bench-stats.js';
import { benchMain, percentile, rounded, spread } from './bench-support.js';
import { servePilotLoop } from './pilot-loop.js';

export interface B1Options {
  readonly quick?: boolean;
  /** Ranges per measurement (default 10000, quick 2000). */
  readonly ranges?: number;
  /** Interleaved repetitions (default 5, quick 3). */
  readonly reps?: number;
  readonly workers?: readonly number[];
}

export interface B1WorkerFigures {
  readonly workers: number;
  readonly rangesPerS: number;
  readonly iqr: readonly [number, number];
  /** p50 and p99 of "Ready for events" received → range sent, ms, over every timed run. */
  readonly p50ReadyToSendMs: number;
  readonly p99ReadyToSendMs: number;
  /** p50 and p99 of each timed run (W=1: one per repetition). */
  readonly latencyRuns: ReadonlyArray<{ readonly p50: number; readonly p99: number }>;
  /** The rate of every repetition. */
  readonly samples: readonly number[];
}

export interface B1Result {
  readonly id: 'B1';
  readonly ranges: number;
  readonly reps: number;
  readonly rawRoundTripsPerS: number;
  /** A bare ROUTER loop serving the same simulator (W=1): the ceiling for the pilot here. */
  readonly bareLoopRangesPerS: number;
  readonly pilot: readonly B1WorkerFigures[];
  /** W=1 rate / raw rate (median of per-repetition ratios). */
  readonly ratioW1: number;
  readonly ratioIqr: readonly [number, number];
  readonly goal: 0.5;
  readonly pass: boolean;
  /** p99 Ready → sent at W=1, ms (quiet machine). */
  readonly latencyGoalMs: 2;
  /** Per repetition: the raw round-trip rate, and W=1 / raw. */
  readonly rawSamples: readonly number[];
  readonly ratioSamples: readonly number[];
}

/** Runs the benchmark and returns the figures (nothing is printed). */
export async function run(options: B1Options = {}): Promise<B1Result> {
  const ranges = options.ranges ?? (options.quick ? 2000 : 10_000);
  const reps = options.reps ?? (options.quick ? 3 : 5);
  const workerCounts = options.workers ?? [1, 2, 8];
  const pilotRun = await createRun({ logLevel: 'error', env: {} });
  const raw: number[] = [];
  const bare: number[] = [];
  const ratios: number[] = [];
  const rates = new Map<number, number[]>(workerCounts.map((w) => [w, []]));
  const latencies = new Map<number, number[]>(workerCounts.map((w) => [w, []]));
  const latencyRuns = new Map<number, Array<{ p50: number; p99: number }>>(workerCounts.map((w) => [w, []]));
  const timed = async (w: number, rep: number) => {
    const m = await servePilotLoop(pilotRun, { workers: w, ranges: benchRanges(Math.min(ranges, 5000), rep, w), timed: true });
    latencies.get(w)!.push(...m.readyToSendMs);
    latencyRuns.get(w)!.push({ p50: rounded(percentile(m.readyToSendMs, 0.5), 3), p99: rounded(percentile(m.readyToSendMs, 0.99), 3) });
  };
  try {
    for (let rep = 0; rep < reps; rep++) {
      const r = await rawPingPong(ranges);
      raw.push(r);
      bare.push(await bareLoopWithSimulator(benchRanges(ranges, rep, 0)));
      for (const w of workerCounts) {
        const m = await servePilotLoop(pilotRun, { workers: w, ranges: benchRanges(ranges, rep, w) });
        rates.get(w)!.push(m.rangesPerS);
        if (w === 1) ratios.push(m.rangesPerS / r);
      }
      // Latency in runs of its own (the timing wrapper would slow the rate runs): W=1, the goal's, in every repetition.
      if (workerCounts.includes(1)) await timed(1, reps + rep);
    }
    for (const w of workerCounts) if (w !== 1) await timed(w, 2 * reps);
  } finally {
    await pilotRun.dispose();
  }
  const ratio = spread(ratios);
  return {
    id: 'B1', ranges, reps,
    rawRoundTripsPerS: rounded(spread(raw).median),
    bareLoopRangesPerS: rounded(spread(bare).median),
    pilot: workerCounts.map((w) => {
      const s = spread(rates.get(w)!);
      return {
        workers: w, rangesPerS: rounded(s.median), iqr: [rounded(s.q1), rounded(s.q3)] as const,
        p50ReadyToSendMs: rounded(percentile(latencies.get(w)!, 0.5), 3), p99ReadyToSendMs: rounded(percentile(latencies.get(w)!, 0.99), 3),
        latencyRuns: latencyRuns.get(w)!, samples: rates.get(w)!.map((v) => rounded(v)),
      };
    }),
    ratioW1: rounded(ratio.median, 3), ratioIqr: [rounded(ratio.q1, 3), rounded(ratio.q3, 3)], goal: 0.5,
    pass: workerCounts.includes(1) ? ratio.median >= 0.5 : false, latencyGoalMs: 2,
    rawSamples: raw.map((v) => rounded(v)), ratioSamples: ratios.map((v) => rounded(v, 3)),
  };
}

/**
 * The harness's table lines: W=1 against the raw ping-pong (the goal), the other W alone;
 * then Ready → sent p50 and p99 per W (per timed run; the W=1 p99 against its goal).
 */
export function rows(r: B1Result): BenchRow[] {
  const rates = r.pilot.map((p): BenchRow => ({
    id: 'B1', label: `dispatcher W=${p.workers}`, unit: 'ranges/s', espilot: stats(p.samples),
    ...(p.workers === 1
      ? { baseline: { label: 'raw ZeroMQ ping-pong', stats: stats(r.rawSamples) }, ratio: stats(r.ratioSamples), goal: `≥ ${r.goal}×`, pass: r.pass }
      : {}),
  }));
  const latency = r.pilot.flatMap((p): BenchRow[] => [
    { id: 'B1', label: `Ready → range sent p50 W=${p.workers}`, unit: 'ms', espilot: stats(p.latencyRuns.map((x) => x.p50)) },
    {
      id: 'B1', label: `Ready → range sent p99 W=${p.workers}`, unit: 'ms', espilot: stats(p.latencyRuns.map((x) => x.p99)),
      ...(p.workers === 1 ? { goal: `≤ ${r.latencyGoalMs} ms (quiet machine)`, pass: stats(p.latencyRuns.map((x) => x.p99)).median <= r.latencyGoalMs } : {}),
    },
  ]);
  return [...rates, ...latency];
}

/** Ranges shaped like the dispatcher's, one event each. */
function benchRanges(n: number, rep: number, w: number): EventRange[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `1-${rep}${w}-1-${i + 1}-1`;
    const wire = { eventRangeID: id, startEvent: i + 1, lastEvent: i + 1, LFN: 'EVNT.bench._000001.pool.root.1', GUID: '6F0B9E3A-5C1D-4E2F-8A7B-1C2D3E4F5A01', scope: 'mc_bench' };
    return Object.freeze({ id, startEvent: i + 1, lastEvent: i + 1, lfn: wire.LFN, guid: wire.GUID, scope: wire.scope, wire });
  });
}

/**
 * A second reference: a bare ROUTER loop (no bookkeeping at all) serving the same simulator
 * with W=1. The gap between it and the pilot is the pilot's own cost; the gap between it and
 * the ping-pong is the AthenaMP protocol's (a report per range) and the simulator's.
 */
async function bareLoopWithSimulator(ranges: readonly EventRange[]): Promise<number> {
  const name = newChannelName();
  const router = new Router({ mandatory: true, linger: 0 });
  await router.bind(`ipc:///tmp/zmq_${name}`);
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b1-bare-'));
  const child = spawn(process.execPath, [
    join(packageRoot(), 'dist', 'plugins', 'payload-simulator', 'athenamp-simulator.js'),
    `--channel=${name}`, '--workers=1', '--outputFile=B1', '--sharedOutput', '--timePerEventMs=0',
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  let next = 0;
  let outputs = 0;
  let first = 0n;
  let last = 0n;
  try {
    while (outputs < ranges.length) {
      const [peer, msg] = await router.receive();
      if (msg!.toString() === 'Ready for events') {
        const r = ranges[next++];
        await router.send([peer!, r ? JSON.stringify([r.wire]) : 'No more events']);
      } else {
        last = process.hrtime.bigint();
        if (outputs++ === 0) first = last;
      }
    }
    const [peer] = await router.receive();
    await router.send([peer!, 'No more events']);
    await once(child, 'exit');
  } finally {
    router.close();
    await rm(dir, { recursive: true, force: true });
  }
  return (outputs - 1) / (Number(last - first) / 1e9);
}

/** The anchor: ROUTER here, DEALER in a child process, same reply text as the pilot sends. */
async function rawPingPong(roundTrips: number): Promise<number> {
  const name = newChannelName();
  const endpoint = `ipc:///tmp/zmq_${name}`;
  const router = new Router({ mandatory: true, linger: 0 });
  await router.bind(endpoint);
  const reply = JSON.stringify([benchRanges(1, 0, 0)[0]!.wire]);
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'bench', 'raw-pingpong-peer.js'), endpoint, String(roundTrips)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  try {
    for (;;) {
      const [peer, msg] = await router.receive();
      if (msg!.toString() !== 'Ready for events') break;
      await router.send([peer!, reply]);
    }
    await once(child, 'exit');
  } finally {
    router.close();
  }
  const rate = Number(out.trim());
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`B1: the raw peer printed ${JSON.stringify(out)}`);
  return rate;
}

await benchMain(import.meta.url, run, (result) =>
  `B1 dispatcher (${result.ranges} ranges × 1 event, zero-compute simulator workers, ${result.reps} reps, median)\n` +
  `  raw ZeroMQ ROUTER/DEALER ping-pong: ${result.rawRoundTripsPerS} round trips/s\n` +
  `  bare ROUTER loop serving the simulator (W=1, no bookkeeping): ${result.bareLoopRangesPerS} ranges/s\n` +
  result.pilot.map((p) => `  pilot W=${p.workers}: ${p.rangesPerS} ranges/s (IQR ${p.iqr[0]}–${p.iqr[1]}), Ready→sent p50 ${p.p50ReadyToSendMs} ms, p99 ${p.p99ReadyToSendMs} ms\n`).join('') +
  `  ratio W=1 / raw: ${result.ratioW1} (IQR ${result.ratioIqr[0]}–${result.ratioIqr[1]}), goal ≥ ${result.goal}: ${result.pass ? 'PASS' : 'BELOW GOAL'}\n`,
);
