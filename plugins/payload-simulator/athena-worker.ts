/**
 * One simulated AthenaMP worker: a ZeroMQ DEALER with no routing id (libzmq picks one, as
 * for AthenaMP), asking `Ready for events`, reading the reply like AthenaMP, writing the
 * range's output file and reporting `<path>,ID:<id>,CPU:<s>,WALL:<s>`. Faults are decided
 * per range from the seed, so a run's outcome does not depend on timing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { traceEvent } from './payload-trace.js';
import { resolve } from 'node:path';
import { readAthenaReply, type AthenaRange } from './athena-range-text.js';
import { simulatorOutputBytes } from './simulator-output.js';

export interface SimulatorConfig {
  readonly endpoint: string;
  readonly workers: number;
  readonly outputFile: string;
  readonly outputBytes: number;
  readonly timePerEventMs: number;
  readonly errorRate: number;
  readonly errorAcronym: string;
  readonly errorDiag: string;
  /** Die (SIGKILL) on receiving range number crashAfter+1, counted over all workers. */
  readonly crashAfter?: number;
  /** Stop talking for ever on receiving range number hang+1. */
  readonly hang?: number;
  readonly malformed: boolean;
  /** Report one pre-written file for every range instead of writing one per range (benchmarks). */
  readonly sharedOutput: boolean;
  /** Ignore SIGTERM (to test the SIGKILL that follows). */
  readonly ignoreTerm: boolean;
  readonly nulTerminate: boolean;
  readonly seed: number;
  /** The transform's `--jobNumber` (printed only; see athenamp-simulator.ts). */
  readonly jobNumber?: number;
  readonly cwd: string;
  /** Append one JSON line per range event to this file (test histories; see payload-trace.ts). */
  readonly trace?: string;
  /**
   * Read each range's input through its `PFN` (as AthenaMP's MT mode does) and fail the range
   * with ERR_ATHENAMP_PROCESS when the PFN is missing or unreadable.
   */
  readonly requirePfn?: boolean;
}

/** Process-wide counters shared by the workers. */
export interface SimulatorState {
  received: number;
  reported: number;
  errors: number;
}

export async function runWorker(zmq: typeof import('zeromq'), cfg: SimulatorConfig, state: SimulatorState, index: number): Promise<void> {
  const sock = new zmq.Dealer({ linger: 2000 });
  sock.connect(cfg.endpoint);
  const send = (text: string | Buffer) => sock.send(cfg.nulTerminate ? Buffer.concat([Buffer.from(text), Buffer.from([0])]) : text);
  try {
    for (let n = 0; ; n++) {
      await send('Ready for events');
      const [reply] = await sock.receive();
      const r = readAthenaReply(reply ?? Buffer.alloc(0));
      if (r.kind === 'stop') {
        traceEvent(cfg.trace, index, 'stop');
        return;
      }
      if (r.kind === 'bad') {
        await send(`ERR_ATHENAMP_PARSE ${r.text}: ${r.why}`);
        continue;
      }
      state.received++;
      traceEvent(cfg.trace, index, 'received', r.range.eventRangeID);
      if (cfg.crashAfter !== undefined && state.received > cfg.crashAfter) process.kill(process.pid, 'SIGKILL');
      if (cfg.hang !== undefined && state.received > cfg.hang) await new Promise<never>(() => undefined);
      await processRange(cfg, state, r.range, send, index, `${index}-${n}`);
    }
  } finally {
    sock.close();
  }
}

async function processRange(cfg: SimulatorConfig, state: SimulatorState, range: AthenaRange, send: (t: string | Buffer) => Promise<void>, worker: number, tag: string): Promise<void> {
  const started = Date.now();
  // Zero-compute runs (benchmarks) skip the CPU clock: it costs more than the rest of a range.
  const cpu0 = cfg.timePerEventMs > 0 ? process.cpuUsage() : undefined;
  const events = range.lastEvent - range.startEvent + 1;
  if (cfg.timePerEventMs > 0) await new Promise((r) => setTimeout(r, cfg.timePerEventMs * events));
  const id = range.eventRangeID;
  const input = cfg.requirePfn ? await readInput(range) : undefined;
  if (typeof input === 'string') {
    state.errors++;
    traceEvent(cfg.trace, worker, 'error', id);
    await send(`ERR_ATHENAMP_PROCESS ${id}: ${input}`);
    return;
  }
  if (cfg.errorRate > 0 && chance(cfg.seed, id) < cfg.errorRate) {
    state.errors++;
    traceEvent(cfg.trace, worker, 'error', id);
    await send(`${cfg.errorAcronym} ${id}: ${cfg.errorDiag}`);
    return;
  }
  const path = cfg.sharedOutput ? sharedOutputPath(cfg) : resolve(cfg.cwd, `${cfg.outputFile}.${id}`);
  const { LFN, GUID } = range.fields;
  if (!cfg.sharedOutput) {
    await writeFile(path, simulatorOutputBytes({
      eventRangeID: id, startEvent: range.startEvent, lastEvent: range.lastEvent,
      ...(LFN !== undefined ? { LFN } : {}), ...(GUID !== undefined ? { GUID } : {}),
      outputFile: cfg.outputFile, bodyBytes: cfg.outputBytes,
    }));
  }
  const cpu = cpu0 ? process.cpuUsage(cpu0) : { user: 0, system: 0 };
  const report = `${path},ID:${id},CPU:${Math.round((cpu.user + cpu.system) / 1e6)},WALL:${Math.round((Date.now() - started) / 1000)}`;
  if (cfg.malformed) await sendMalformed(cfg, send, path, tag);
  traceEvent(cfg.trace, worker, 'output', id);
  await send(report);
  if (cfg.malformed) await send(report); // a duplicate report
  state.reported++;
}

/** The range's input read through its PFN, or why it cannot be. */
async function readInput(range: AthenaRange): Promise<Buffer | string> {
  const pfn = range.fields['PFN'];
  if (!pfn) return 'the range has no PFN';
  if (!pfn.startsWith('/') && !pfn.startsWith('file://')) return `PFN ${pfn} is not a local path or file:// TURL`;
  try {
    return await readFile(pfn.startsWith('file://') ? new URL(pfn) : pfn);
  } catch (err) {
    return `cannot read the input at PFN ${pfn}: ${(err as Error).message}`;
  }
}

/** Garbage a confused or hostile peer might send; the pilot must drop all of it. */
async function sendMalformed(cfg: SimulatorConfig, send: (t: string | Buffer) => Promise<void>, path: string, tag: string): Promise<void> {
  const noise = Buffer.alloc(64);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(chance(cfg.seed + i, tag) * 256);
  noise[0] = 0xff; // never valid UTF-8
  await send(noise);
  await send('this is not a payload message');
  await send(`${path},ID:never-sent-${tag},CPU:0,WALL:0`);
  await send(`ERR_ATHENAMP_PROCESS never-sent-${tag}: invented`);
  await send(',,,');
}

/** The one file `--sharedOutput` reports: `<outputFile>.shared` in the working directory. */
export function sharedOutputPath(cfg: SimulatorConfig): string {
  return resolve(cfg.cwd, `${cfg.outputFile}.shared`);
}

/** A number in [0, 1) from the seed and a key (FNV-1a + a final mix). */
export function chance(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}
