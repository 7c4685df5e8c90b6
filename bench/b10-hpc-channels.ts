/**
 * B10: the HPC engine's per-range cost as the instance count grows. The real engine, range
 * source, tracker with its journal, reporter and output naming (server and storage stubs that
 * acknowledge at once, as in B1) serve the same ranges once over 1 instance channel and once
 * over 256 (RunJob hpc-event's InstanceChannels over real ZeroMQ TCP channels), each channel
 * with one zero-compute AthenaMP peer (hpc-channel-peers.ts, one child process). Cost per
 * range = the pilot process's CPU time / ranges; the 1-channel run in the same process,
 * interleaved, is the baseline. Goal: 256 channels ≤ 2 × one channel's cost per range.
 *
 *   node dist/bench/b10-hpc-channels.js [--quick] [--json]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EsEngine, EventRangeSource, JOURNAL_FILE, OutputNamer, PayloadChannel, RangeJournal, RangeReporter, RangeTracker, createRun,
  type EventRange, type PilotRun,
} from '../core/index.js';
import { InstanceChannels } from '../plugins/runjob-hpc-event/index.js';
import { stats, type BenchRow } from './bench-stats.js';
import { benchMain, rounded, spread } from './bench-support.js';

export interface B10Options {
  readonly quick?: boolean;
  /** Ranges per measurement (default 10000, quick 500). */
  readonly ranges?: number;
  /** Interleaved repetitions (default 5, quick 2). */
  readonly reps?: number;
  /** Instance channels of the measured run (default 256, quick 32). */
  readonly channels?: number;
}

export interface B10Result {
  readonly id: 'B10';
  readonly ranges: number;
  readonly reps: number;
  readonly channels: number;
  /** Pilot CPU µs per range, per repetition. */
  readonly oneChannelUs: readonly number[];
  readonly manyChannelsUs: readonly number[];
  /** many / one, per repetition (median is the figure). */
  readonly ratioSamples: readonly number[];
  readonly ratio: number;
  /** Wall-clock ranges per second of the many-channel runs (for the record). */
  readonly manyRangesPerS: number;
  readonly goal: 2;
  readonly pass: boolean;
}

const PEERS = join(fileURLToPath(new URL('.', import.meta.url)), 'hpc-channel-peers.js');

export async function run(options: B10Options = {}): Promise<B10Result> {
  const ranges = options.ranges ?? (options.quick ? 500 : 10_000);
  const reps = options.reps ?? (options.quick ? 2 : 5);
  const channels = options.channels ?? (options.quick ? 32 : 256);
  const pilotRun = await createRun({ logLevel: 'error', env: {} });
  const one: number[] = [];
  const many: number[] = [];
  const ratios: number[] = [];
  const rates: number[] = [];
  try {
    // Warm the process (JIT, ZeroMQ) before measuring.
    await serve(pilotRun, 1, benchRanges(Math.min(ranges, 1000), 99, 0));
    for (let rep = 0; rep < reps; rep++) {
      // Alternate the order so neither run always gets the warmer process.
      const order = rep % 2 === 0 ? [1, channels] : [channels, 1];
      const figures = new Map<number, { cpuUs: number; perS: number }>();
      for (const k of order) figures.set(k, await serve(pilotRun, k, benchRanges(ranges, rep, k)));
      const a = figures.get(1)!;
      const b = figures.get(channels)!;
      one.push(a.cpuUs);
      many.push(b.cpuUs);
      ratios.push(b.cpuUs / a.cpuUs);
      rates.push(b.perS);
    }
  } finally {
    await pilotRun.dispose();
  }
  const ratio = spread(ratios).median;
  return {
    id: 'B10', ranges, reps, channels,
    oneChannelUs: one.map((v) => rounded(v)), manyChannelsUs: many.map((v) => rounded(v)), ratioSamples: ratios.map((v) => rounded(v, 3)),
    ratio: rounded(ratio, 3), manyRangesPerS: rounded(spread(rates).median), goal: 2, pass: ratio <= 2,
  };
}

export function rows(r: B10Result): BenchRow[] {
  return [{
    id: 'B10', label: `${r.channels} instance channels`, unit: 'µs CPU/range', espilot: stats(r.manyChannelsUs),
    baseline: { label: '1 channel', stats: stats(r.oneChannelUs) }, ratio: stats(r.ratioSamples), goal: `≤ ${r.goal}×`, pass: r.pass,
  }];
}

export function report(r: B10Result): string {
  return `B10 ${r.channels} channels: ${rounded(spread(r.manyChannelsUs).median)} µs CPU/range vs ${rounded(spread(r.oneChannelUs).median)} on 1 channel (${r.ratio}×, goal ≤ ${r.goal}×); ${r.manyRangesPerS} ranges/s\n`;
}

/** Serves `ranges` over `k` instance channels to one peer each; @returns pilot CPU µs per range and the wall rate. */
async function serve(run: PilotRun, k: number, ranges: readonly EventRange[]): Promise<{ cpuUs: number; perS: number }> {
  const log = run.logger;
  const workdir = await mkdtemp(join(tmpdir(), 'espilot-b10-'));
  const shared = join(workdir, 'B10.shared');
  await writeFile(shared, 'one output reported for every range\n');
  const opened: PayloadChannel[] = [];
  const journal = await RangeJournal.create(join(workdir, JOURNAL_FILE), { pandaId: '1', outputLfns: ['B10'], workdir, createdAt: Date.now() });
  const reporter = new RangeReporter({
    send: async (u) => ({ results: u.map(() => true), commands: [] }),
    onResult: async (a, r) => tracker.markReported(a, r),
    batchSize: 100, intervalMs: 1000, backoffBaseMs: 10, backoffMaxMs: 100, log,
  });
  const tracker = new RangeTracker(journal, log);
  try {
    const endpoints: string[] = [];
    for (let i = 0; i < k; i++) {
      const ch = run.resolver.create<PayloadChannel>(PayloadChannel, 'zeromq');
      opened.push(ch);
      endpoints.push(await ch.open({ kind: 'tcp', host: '127.0.0.1', port: 0 }));
    }
    const channel = new InstanceChannels(opened);
    let next = 0;
    const source = new EventRangeSource({
      fetch: async (n) => ranges.slice(next, (next += n)),
      record: (r) => tracker.addFetched(r),
      nRanges: 64, lowWater: 32, retry: { attempts: 1, backoffBaseMs: 1, backoffMaxMs: 1 }, log,
    });
    let outputs = 0;
    const engine = new EsEngine({
      channel, source, tracker, reporter, log,
      namer: new OutputNamer({ workdir, outputLfns: ['B10'], objectName: (lfn, id) => `${lfn}.${id}` }),
      // Outputs are acknowledged, not uploaded: B10 measures the engine, not the storage.
      createStager: (hooks) => ({
        push(u) {
          outputs++;
          void hooks.onStored(u.rangeId, u.files.map((f) => ({ path: f.localPath, objectName: f.objectName, url: `file:///dev/null/${f.objectName}`, size: 0, checksum: 'ad:00000001', mover: 'none' })));
        },
        drain: async () => undefined,
        settled: async () => undefined,
      }),
      classify: () => ({ code: 1220, status: 'failed' }),
      maxConsecutiveStageOutFailures: 3,
      maxRangesPerPeer: 64,
    });
    await source.prefetch();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const served = engine.run();
    const child = spawn(process.execPath, [PEERS, shared, ...endpoints], { cwd: workdir, stdio: ['ignore', 'ignore', 'inherit'] });
    await once(child, 'exit');
    await engine.settle(50, 2000);
    const cpu = process.cpuUsage(cpu0);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await reporter.flush(10_000);
    await channel.close();
    await served;
    if (outputs !== ranges.length) throw new Error(`B10: ${outputs} of ${ranges.length} ranges came back over ${k} channel(s)`);
    return { cpuUs: (cpu.user + cpu.system) / ranges.length, perS: ranges.length / seconds };
  } finally {
    reporter.close();
    await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
    await journal.close();
    await rm(workdir, { recursive: true, force: true });
  }
}

/** Ranges shaped like the dispatcher's, one event each. */
function benchRanges(n: number, rep: number, k: number): EventRange[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `1-${rep}${k}-1-${i + 1}-1`;
    const wire = { eventRangeID: id, startEvent: i + 1, lastEvent: i + 1, LFN: 'EVNT.bench._000001.pool.root.1', GUID: '6F0B9E3A-5C1D-4E2F-8A7B-1C2D3E4F5A01', scope: 'mc_bench' };
    return Object.freeze({ id, startEvent: i + 1, lastEvent: i + 1, lfn: wire.LFN, guid: wire.GUID, scope: wire.scope, wire });
  });
}

await benchMain(import.meta.url, run, report);
