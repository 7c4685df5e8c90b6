/**
 * The simulator's trace (`--trace=<file>`): one JSON line per range event, appended with a
 * single synchronous write so that a line is on its way before the message it announces
 * (`output` and `error` are written just before the report is sent, `received` as soon as a
 * range arrives). A killed payload can leave a last line cut short; readers skip it.
 *
 * Test checkers read it as the payload side's history (performance-reliability.md §8:
 * record the history from the mocks, not from the system under test).
 */
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export type TraceEventKind = 'received' | 'output' | 'error' | 'stop';

export interface TraceEvent {
  /** Milliseconds since the epoch. */
  readonly t: number;
  readonly pid: number;
  /** Worker index inside the simulator. */
  readonly w: number;
  readonly e: TraceEventKind;
  /** The eventRangeID (absent for `stop`). */
  readonly id?: string;
}

/** Appends one event when tracing is on (`path` set). */
export function traceEvent(path: string | undefined, worker: number, e: TraceEventKind, id?: string): void {
  if (!path) return;
  const ev: TraceEvent = { t: Date.now(), pid: process.pid, w: worker, e, ...(id !== undefined ? { id } : {}) };
  appendFileSync(path, `${JSON.stringify(ev)}\n`);
}

/** The events of a trace file in order; a missing file is an empty trace, a torn line is skipped. */
export async function readPayloadTrace(path: string): Promise<TraceEvent[]> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const out: TraceEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const ev = JSON.parse(line) as TraceEvent;
      if (typeof ev.t === 'number' && typeof ev.e === 'string') out.push(ev);
    } catch {
      // the payload died while writing this line
    }
  }
  return out;
}
