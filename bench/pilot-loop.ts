/**
 * The pilot's serving loop for benchmarks: the real channel, engine, range source, tracker
 * and journal, output naming and reporter, with the server and the storage replaced by
 * stubs that acknowledge at once (they are measured by B2 and B4). Serves a payload
 * simulator child process until it exits.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EsEngine, EventRangeSource, JOURNAL_FILE, OutputNamer, PayloadChannel, RangeJournal, RangeReporter, RangeTracker, newChannelName,
  type ChannelAddress, type EventRange, type PayloadMessage, type PeerId, type PilotRun,
} from '../core/index.js';
import { packageRoot } from '../plugins/panda-local/index.js';

export interface LoopOptions {
  readonly workers: number;
  readonly ranges: readonly EventRange[];
  /** Simulator flags besides channel, workers and output (default: zero compute, empty bodies). */
  readonly simulatorArgs?: readonly string[];
  /** Time each `Ready for events` → reply (adds a wrapper to the loop: measure rates without it). */
  readonly timed?: boolean;
  /** Makes the ranges on demand instead of `ranges` (B8: a million ranges not held by the bench). */
  readonly make?: (from: number, n: number) => EventRange[];
  /** Ranges `make` can give. */
  readonly total?: number;
  /** Work directory to use and keep (B8 replays its journal); default a temp one, removed. */
  readonly workdir?: string;
}

export interface LoopFigures {
  /** Steady rate: outputs received between the first and the last one. */
  readonly rangesPerS: number;
  /** Each `Ready for events` received → its range sent, ms. */
  readonly readyToSendMs: readonly number[];
  readonly finished: number;
  /** Journal disk writes per range (group commit). */
  readonly journalWritesPerRange: number;
}

export async function servePilotLoop(run: PilotRun, opts: LoopOptions): Promise<LoopFigures> {
  const log = run.logger;
  const workdir = opts.workdir ?? await mkdtemp(join(tmpdir(), 'espilot-b1-'));
  const inner = run.resolver.create<PayloadChannel>(PayloadChannel, 'zeromq');
  const timed = opts.timed ? new TimedChannel(inner) : undefined;
  const channel = timed ?? inner;
  const journal = await RangeJournal.create(join(workdir, JOURNAL_FILE), { pandaId: '1', outputLfns: ['B1'], workdir, createdAt: Date.now() });
  const tracker = new RangeTracker(journal, log);
  let next = 0;
  const pool = opts.ranges;
  const source = new EventRangeSource({
    fetch: async (n) => {
      if (!opts.make) return pool.slice(next, (next += n));
      const from = next;
      next = Math.min(opts.total ?? 0, next + n);
      return opts.make(from, next - from);
    },
    record: (r) => tracker.addFetched(r),
    nRanges: 64, lowWater: 32, retry: { attempts: 1, backoffBaseMs: 1, backoffMaxMs: 1 }, log,
  });
  const reporter = new RangeReporter({
    send: async (u) => ({ results: u.map(() => true), commands: [] }),
    onResult: async (a, r) => tracker.markReported(a, r),
    batchSize: 100, intervalMs: 1000, backoffBaseMs: 10, backoffMaxMs: 100, log,
  });
  let first = 0n;
  let last = 0n;
  let outputs = 0;
  const engine = new EsEngine({
    channel, source, tracker, reporter, log,
    namer: new OutputNamer({ workdir, outputLfns: ['B1'], objectName: (lfn, id) => `${lfn}.${id}` }),
    // Outputs are acknowledged, not uploaded: B1 measures the dispatcher, not the storage.
    createStager: (hooks) => ({
      push(u) {
        last = process.hrtime.bigint();
        if (outputs++ === 0) first = last;
        void hooks.onStored(u.rangeId, u.files.map((f) => ({ path: f.localPath, objectName: f.objectName, url: `file:///dev/null/${f.objectName}`, size: 0, checksum: 'ad:00000001', mover: 'none' })));
      },
      drain: async () => undefined,
      settled: async () => undefined,
    }),
    classify: () => ({ code: 1220, status: 'failed' }),
    maxConsecutiveStageOutFailures: 3,
    maxRangesPerPeer: 64,
  });
  const name = newChannelName();
  try {
    await channel.open({ kind: 'local', name });
    await source.prefetch();
    const served = engine.run();
    const args = opts.simulatorArgs ?? ['--sharedOutput', '--timePerEventMs=0'];
    const child = spawn(process.execPath, [
      join(packageRoot(), 'dist', 'plugins', 'payload-simulator', 'athenamp-simulator.js'),
      `--channel=${name}`, `--workers=${opts.workers}`, '--outputFile=B1', ...args,
    ], { cwd: workdir, stdio: ['ignore', 'ignore', 'inherit'] });
    await once(child, 'exit');
    await engine.settle(50, 2000);
    await reporter.flush(10_000);
    await channel.close();
    await served;
    const finished = tracker.summary().finished;
    const seconds = Number(last - first) / 1e9;
    return { rangesPerS: outputs > 1 ? (outputs - 1) / seconds : 0, readyToSendMs: timed?.latencies ?? [], finished, journalWritesPerRange: journal.stats.writes / Math.max(1, finished) };
  } finally {
    reporter.close();
    await channel.close();
    await journal.close();
    if (!opts.workdir) await rm(workdir, { recursive: true, force: true });
  }
}

/** Passes everything through, timing each `Ready for events` to the reply to that peer. */
class TimedChannel implements PayloadChannel {
  readonly latencies: number[] = [];
  private readonly readyAt = new Map<string, bigint>();

  constructor(private readonly inner: PayloadChannel) {}

  open(address: ChannelAddress): Promise<string> {
    return this.inner.open(address);
  }

  async *messages(): AsyncIterable<PayloadMessage> {
    for await (const m of this.inner.messages()) {
      if (m.text === 'Ready for events') this.readyAt.set(key(m.peer), process.hrtime.bigint());
      yield m;
    }
  }

  send(peer: PeerId, text: string): Promise<void> {
    const k = key(peer);
    const t0 = this.readyAt.get(k);
    if (t0 !== undefined) {
      this.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      this.readyAt.delete(k);
    }
    return this.inner.send(peer, text);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function key(peer: PeerId): string {
  return Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString('latin1');
}
