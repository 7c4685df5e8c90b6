/**
 * The benchmarks the harness runs, in order, with their quick-mode workloads (small enough
 * that the whole quick run, Swift start included, stays well under a minute on 2 cores).
 * B6a (absolute CPU, sensitive to a busy disk) and B7 run before the S3 benchmarks, B5 (which
 * writes 20 GB) last.
 */
import type { SwiftServer } from '../test/helpers/swift-server.js';
import * as b1 from './b1-dispatcher.js';
import * as b2 from './b2-control-plane.js';
import * as b3 from './b3-adler32.js';
import * as b4 from './b4-s3-upload.js';
import * as b5 from './b5-end-to-end.js';
import * as b6a from './b6a-idle-cpu.js';
import * as b6b from './b6b-merge-stage-in.js';
import * as b7 from './b7-resource-monitor.js';
import * as b8 from './b8-scale.js';
import * as b8r from './b8-report-scale.js';
import * as b9 from './b9-merge.js';
import * as b10 from './b10-hpc-channels.js';
import type { BenchRow } from './bench-stats.js';

export interface BenchContext {
  readonly quick: boolean;
  readonly log: (line: string) => void;
  readonly swift?: SwiftServer;
  /** Results of the benchmarks that ran before, by id. */
  readonly results: Readonly<Record<string, unknown>>;
}

export interface BenchSpec {
  readonly id: string;
  readonly title: string;
  readonly needsSwift: boolean;
  run(ctx: BenchContext): Promise<unknown>;
  rows(result: unknown, ctx: BenchContext): BenchRow[];
  report(result: unknown): string;
}

const MiB = 1024 * 1024;

interface B8Both { readonly scale: b8.B8Result; readonly report: b8r.ReportScaleResult }

function swiftOf(ctx: BenchContext): SwiftServer {
  if (!ctx.swift) throw new Error('this benchmark needs the harness\'s Swift');
  return ctx.swift;
}

/** One-line summaries for the benchmarks whose scripts print their own way. */
const line = (r: { rows: BenchRow[] }) => r.rows.map((x) => `  ${x.label}: ${x.espilot.median} ${x.unit}${x.ratio ? `, ${x.ratio.median}× ${x.baseline?.label}` : ''}`).join('\n');

export const BENCHMARKS: readonly BenchSpec[] = [
  {
    id: 'B1', title: 'dispatcher: ranges/s through channel, tracker and journal', needsSwift: false,
    run: (c) => b1.run(c.quick ? { ranges: 1000, reps: 2 } : {}),
    rows: (r) => b1.rows(r as b1.B1Result),
    report: (r) => line({ rows: b1.rows(r as b1.B1Result) }),
  },
  {
    id: 'B2', title: 'control plane: PanDA calls/s', needsSwift: false,
    run: (c) => b2.run(c.quick ? { pairs: 100, reps: 2 } : {}),
    rows: (r) => b2.rows(r as b2.B2Result),
    report: (r) => line({ rows: b2.rows(r as b2.B2Result) }),
  },
  {
    id: 'B3', title: 'adler32 GB/s', needsSwift: false,
    run: (c) => b3.run({ log: c.log, ...(c.quick ? { bytes: 64 * MiB, reps: 2 } : {}) }),
    rows: (r) => b3.rows(r as b3.B3Result),
    report: (r) => b3.report(r as b3.B3Result),
  },
  {
    id: 'B6a', title: 'idle overhead: pilot CPU at a realistic rate', needsSwift: false,
    run: (c) => b6a.run(c.quick ? { durationS: 8, timePerEventMs: 500 } : {}),
    rows: (r) => b6a.rows(r as b6a.B6aResult),
    report: (r) => line({ rows: b6a.rows(r as b6a.B6aResult) }),
  },
  {
    id: 'B7', title: 'resource monitor CPU share: /proc sample of a payload tree vs ps', needsSwift: false,
    run: (c) => b7.run({ quick: c.quick }),
    rows: (r) => b7.rows(r as b7.B7Result),
    report: (r) => line({ rows: b7.rows(r as b7.B7Result) }),
  },
  {
    // B8 scale: dispatch + journal at 1M ranges, replay, file:// store rate (b8-scale.ts), and the
    // job report and timeline of as many ranges (b8-report-scale.ts): one results entry per id.
    id: 'B8', title: 'scale: 1M ranges through dispatch + journal, replay, file:// store at fewer syncs; their job report and timeline', needsSwift: false,
    run: async (c) => ({ scale: await b8.run({ quick: c.quick }), report: await b8r.runReportScale({ quick: c.quick, log: c.log }) }),
    rows: (r) => [...b8.rows((r as B8Both).scale), ...b8r.rowsOf((r as B8Both).report)],
    report: (r) => `${b8.report((r as B8Both).scale)}\n${line({ rows: b8r.rowsOf((r as B8Both).report) })}`,
  },
  {
    id: 'B9', title: 'merge of 10k small inputs: stage-in + merge vs raw parallel copy + adler32', needsSwift: false,
    run: (c) => b9.run({ log: c.log, quick: c.quick }),
    rows: (r) => b9.rows(r as b9.B9Result),
    report: (r) => b9.report(r as b9.B9Result),
  },
  {
    id: 'B10', title: 'HPC: engine cost per range over 256 instance channels vs 1', needsSwift: false,
    run: (c) => b10.run({ quick: c.quick }),
    rows: (r) => b10.rows(r as b10.B10Result),
    report: (r) => b10.report(r as b10.B10Result),
  },
  {
    id: 'B4', title: 'S3 uploads: mover vs raw SDK PutObject', needsSwift: true,
    run: (c) => b4.run({ log: c.log, swift: swiftOf(c), ...(c.quick ? { objects: [40, 80] as const, slices: 2 } : {}) }),
    rows: (r) => b4.rows(r as b4.B4Result),
    report: (r) => b4.report(r as b4.B4Result),
  },
  {
    id: 'B6b', title: 'merge stage-in: S3 mover GET + adler32 vs raw GetObject', needsSwift: true,
    run: (c) => b6b.run({ log: c.log, swift: swiftOf(c), ...(c.quick ? { objects: 40, slices: 2 } : {}) }),
    rows: (r) => b6b.rows(r as b6b.B6bResult),
    report: (r) => b6b.report(r as b6b.B6bResult),
  },
  {
    id: 'B5', title: 'end to end through the real pilot, S3 on Swift', needsSwift: true,
    run: (c) => b5.run({ log: c.log, swift: swiftOf(c), ...(c.quick ? { ranges: 200, reps: 1, baselineObjects: 60 } : {}) }),
    rows: (r) => b5.rows(r as b5.B5Result),
    report: (r) => b5.report(r as b5.B5Result),
  },
];
