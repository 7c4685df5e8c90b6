/**
 * B2 (performance-reliability.md §5): control-plane calls per second through the PanDA
 * client — getEventRanges (nRanges=16) alternating with updateEventRanges (100 ranges) —
 * beside raw keep-alive HTTP POSTs of the same requests to the same dispatcher in the same
 * run. The dispatcher runs as its own process (`espilot serve-panda`), as a server would.
 * Goal: client ≥ 0.7 × raw.
 *
 *   node dist/bench/b2-control-plane.js [--quick] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PILOT_DEFAULTS, PandaClient, SecretRegistry, encodeForm, type EventRangeUpdate } from '../core/index.js';
import { packageRoot, stableGuid } from '../plugins/panda-local/index.js';
import { stats, type BenchRow } from './bench-stats.js';

export interface B2Options {
  /** Fewer calls and repetitions (a smoke run). */
  readonly quick?: boolean;
  /** getEventRanges + updateEventRanges pairs per measurement (default 1000, quick 200). */
  readonly pairs?: number;
  /** Interleaved repetitions of both measurements (default 5, quick 3). */
  readonly reps?: number;
}

export interface B2Result {
  readonly id: 'B2';
  readonly pairs: number;
  readonly reps: number;
  /** Calls per second (median over repetitions); a pair is two calls. */
  readonly clientCallsPerS: number;
  readonly rawCallsPerS: number;
  readonly ratio: number;
  readonly ratioIqr: readonly [number, number];
  readonly clientMsPerCall: number;
  readonly rawMsPerCall: number;
  readonly goal: 0.7;
  readonly pass: boolean;
  /** Calls per second of every repetition, and their paired ratios. */
  readonly clientSamples: readonly number[];
  readonly rawSamples: readonly number[];
  readonly ratioSamples: readonly number[];
}

const N_RANGES = 16;
const UPDATE_SIZE = 100;
const EVENTS_PER_FILE = 1000;
const TASK_ID = 2;

/** Runs the benchmark and returns the figures (nothing is printed). */
export async function run(options: B2Options = {}): Promise<B2Result> {
  const pairs = options.pairs ?? (options.quick ? 200 : 1000);
  const reps = options.reps ?? (options.quick ? 3 : 5);
  const dir = await mkdtemp(join(tmpdir(), 'espilot-b2-'));
  const ratios: number[] = [];
  const client: number[] = [];
  const raw: number[] = [];
  try {
    const taskFile = join(dir, 'task.json');
    const warmup = Math.min(200, pairs);
    await writeFile(taskFile, JSON.stringify(benchTask((2 * pairs + warmup) * N_RANGES)));
    for (let rep = 0; rep < reps; rep++) {
      // A fresh server per repetition keeps its logs small; both measurements share it.
      const server = await startServer(taskFile);
      try {
        const clientFirst = rep % 2 === 0;
        const jobs = await getJobs(server.url);
        // A new server process starts cold: warm it (and this process) before measuring.
        await measureClient(server.url, jobs[2]!, warmup);
        const c = clientFirst ? await measureClient(server.url, jobs[0]!, pairs) : 0;
        const r = await measureRaw(server.url, jobs[1]!, pairs, (warmup + (clientFirst ? pairs : 0)) * N_RANGES);
        const c2 = clientFirst ? c : await measureClient(server.url, jobs[0]!, pairs);
        client.push(c2);
        raw.push(r);
        ratios.push(c2 / r);
      } finally {
        server.child.kill('SIGTERM');
        await once(server.child, 'exit');
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const clientRate = median(client);
  const rawRate = median(raw);
  const ratio = median(ratios);
  return {
    id: 'B2', pairs, reps, clientCallsPerS: round(clientRate), rawCallsPerS: round(rawRate), ratio: round(ratio, 3),
    ratioIqr: [round(quantile(ratios, 0.25), 3), round(quantile(ratios, 0.75), 3)],
    clientMsPerCall: round(1000 / clientRate, 3), rawMsPerCall: round(1000 / rawRate, 3), goal: 0.7, pass: ratio >= 0.7,
    clientSamples: client.map((v) => round(v)), rawSamples: raw.map((v) => round(v)), ratioSamples: ratios.map((v) => round(v, 3)),
  };
}

/** The harness's table line. */
export function rows(r: B2Result): BenchRow[] {
  return [{
    id: 'B2', label: 'PanDA client', unit: 'calls/s', espilot: stats(r.clientSamples),
    baseline: { label: 'raw keep-alive HTTP', stats: stats(r.rawSamples) }, ratio: stats(r.ratioSamples), goal: `≥ ${r.goal}×`, pass: r.pass,
  }];
}

function benchTask(ranges: number): Record<string, unknown> {
  const files = Math.ceil(ranges / EVENTS_PER_FILE) + 1;
  return {
    taskId: TASK_ID, eventService: true, coreCount: N_RANGES, consumers: 3, eventsPerRange: 1, maxAttempts: 3, firstPandaId: 1000,
    inputFiles: Array.from({ length: files }, (_v, i) => ({ lfn: `EVNT.bench._${String(i + 1).padStart(6, '0')}.pool.root.1`, guid: stableGuid(`bench-b2-${i + 1}`), events: EVENTS_PER_FILE })),
    payload: { transformation: 'true', jobPars: '' }, merge: { transformation: 'true', jobPars: '' },
  };
}

async function startServer(taskFile: string): Promise<{ child: ChildProcess; url: string }> {
  const main = join(packageRoot(), 'dist', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, 'serve-panda', '--task', taskFile, '--port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve-panda exited with ${code}: ${out}`)));
  });
  return { child, url };
}

async function getJobs(url: string): Promise<string[]> {
  const c = new PandaClient({ server: { ...PILOT_DEFAULTS.server, auth: 'none', url }, secrets: new SecretRegistry(), env: {} });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await c.getJob({ siteName: 'BENCH' }))!.pandaId);
    return ids;
  } finally {
    c.close();
  }
}

/** The 100 most recently handed-out IDs (repeated while fewer were handed out). */
function window(ids: readonly string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < UPDATE_SIZE; k++) out.push(ids[(ids.length - 1 - (k % ids.length))]!);
  return out;
}

async function measureClient(url: string, pandaId: string, pairs: number): Promise<number> {
  const c = new PandaClient({ server: { ...PILOT_DEFAULTS.server, auth: 'none', url }, secrets: new SecretRegistry(), env: {} });
  try {
    const ids: string[] = [];
    const started = process.hrtime.bigint();
    for (let i = 0; i < pairs; i++) {
      const ranges = await c.getEventRanges({ pandaId, jobsetId: '1000', taskId: String(TASK_ID), nRanges: N_RANGES });
      for (const r of ranges) ids.push(r.id);
      const updates: EventRangeUpdate[] = window(ids).map((id) => ({ eventRangeId: id, eventStatus: 'finished' }));
      await c.updateEventRanges(updates, pandaId);
    }
    return (2 * pairs) / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    c.close();
  }
}

/** The same requests as bodies built beforehand, posted with http.request over a keep-alive agent. */
async function measureRaw(url: string, pandaId: string, pairs: number, offset: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const getBody = encodeForm({ pandaID: pandaId, jobsetID: '1000', taskID: TASK_ID, nRanges: N_RANGES });
  const ids: string[] = [];
  const updateBodies: string[] = [];
  for (let i = 0; i < pairs; i++) {
    for (let k = 0; k < N_RANGES; k++) {
      const n = offset + i * N_RANGES + k;
      ids.push(`${TASK_ID}-${pandaId}-${Math.floor(n / EVENTS_PER_FILE) + 1}-${(n % EVENTS_PER_FILE) + 1}-3`);
    }
    const entries = window(ids).map((id) => ({ eventRangeID: id, eventStatus: 'finished' }));
    updateBodies.push(encodeForm({ eventRanges: JSON.stringify(entries), version: 0, pandaID: pandaId }));
  }
  try {
    const first = await post(agent, `${url}/server/panda/getEventRanges`, getBody);
    if (!first.includes(ids[0]!)) throw new Error(`B2: the raw client predicted ${ids[0]} but got ${first.slice(0, 200)}`);
    const started = process.hrtime.bigint();
    for (let i = 0; i < pairs; i++) {
      if (i > 0) await post(agent, `${url}/server/panda/getEventRanges`, getBody);
      await post(agent, `${url}/server/panda/updateEventRanges`, updateBodies[i]!);
    }
    return (2 * pairs - 1) / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    agent.destroy();
  }
}

function post(agent: http.Agent, url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

function round(v: number, digits = 1): number {
  return Math.round(v * 10 ** digits) / 10 ** digits;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const result = await run({ quick });
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      `B2 control plane (${result.pairs} × getEventRanges(16) + updateEventRanges(100), ${result.reps} reps, median)\n` +
      `  client: ${result.clientCallsPerS} calls/s (${result.clientMsPerCall} ms/call)\n` +
      `  raw keep-alive HTTP: ${result.rawCallsPerS} calls/s (${result.rawMsPerCall} ms/call)\n` +
      `  ratio: ${result.ratio} (IQR ${result.ratioIqr[0]}–${result.ratioIqr[1]}), goal ≥ ${result.goal}: ${result.pass ? 'PASS' : 'BELOW GOAL'}\n`,
    );
  }
}
