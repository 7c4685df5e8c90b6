/**
 * The task's event ranges with the server's guarded transitions (reference
 * performance-reliability.md §6.1): ready → sent on getEventRanges; a final report applies
 * only to the exact ID (PandaID and attempt) of a range in sent/running, so a second report
 * is a no-op; at the end of a consumer its unfinished ranges go back to ready with one
 * attempt less, or fail for good when none is left.
 */
import type { AppliedReport, RangeRecord, RangeStatus } from './dispatcher-records.js';
import type { TaskSpec } from './task-spec.js';

/** A parsed event range ID. */
export interface RangeId {
  readonly taskId: number;
  readonly pandaId: string;
  readonly fileId: number;
  readonly processId: number;
  readonly attemptNr: number;
}

/** Splits `<taskID>-<PandaID>-<fileID>-<processID>-<attemptNr>`; undefined when wrongly formatted. */
export function parseRangeId(id: string): RangeId | undefined {
  const parts = id.split('-');
  if (parts.length !== 5 || !parts.every((p) => /^\d{1,15}$/.test(p))) return undefined;
  const [taskId, pandaId, fileId, processId, attemptNr] = parts as [string, string, string, string, string];
  return { taskId: Number(taskId), pandaId, fileId: Number(fileId), processId: Number(processId), attemptNr: Number(attemptNr) };
}

/** Ranges per status, plus `exhausted` (failed with no attempt left). */
export type RangeCounts = Record<RangeStatus | 'exhausted', number>;

export class RangeBook {
  private readonly byKey = new Map<string, RangeRecord>();
  /** Ready ranges in (fileId, processId) order; `head` skips those already taken. */
  private ready: RangeRecord[] = [];
  private head = 0;
  /** Kept on every transition (all go through `move`), so counting costs nothing. */
  private readonly tally: RangeCounts = { ready: 0, sent: 0, running: 0, finished: 0, done: 0, failed: 0, exhausted: 0 };
  private failedReports = 0;

  constructor(private readonly task: TaskSpec, records?: readonly RangeRecord[]) {
    for (const r of records ?? createRanges(task)) {
      this.byKey.set(r.key, r);
      this.tally[r.status]++;
      if (r.exhausted) this.tally.exhausted++;
      for (const rep of r.reports) if (rep.status !== 'finished') this.failedReports++;
    }
    this.rebuildReady();
  }

  all(): IterableIterator<RangeRecord> {
    return this.byKey.values();
  }

  get(fileId: number, processId: number): RangeRecord | undefined {
    return this.byKey.get(`${fileId}-${processId}`);
  }

  /** Hands out up to `n` ready ranges to `pandaId` (ready → sent). */
  dispatch(pandaId: string, n: number): RangeRecord[] {
    const out: RangeRecord[] = [];
    while (out.length < n && this.head < this.ready.length) {
      const r = this.ready[this.head++]!;
      if (r.status !== 'ready') continue;
      this.move(r, 'sent');
      r.pandaId = pandaId;
      r.eventRangeId = `${this.task.taskId}-${pandaId}-${r.fileId}-${r.processId}-${r.attemptNr}`;
      r.dispatchCount++;
      out.push(r);
    }
    if (this.head > 1024 && this.head * 2 > this.ready.length) this.rebuildReady();
    return out;
  }

  /**
   * Applies a final report if its ID is the range's current one and the range is in
   * sent/running; `fatal` leaves one attempt, which the release then uses up.
   * @returns whether the range changed (false: a second report or a stale ID).
   */
  applyFinal(range: RangeRecord, id: RangeId, report: AppliedReport): boolean {
    if ((range.status !== 'sent' && range.status !== 'running') || range.pandaId !== id.pandaId || range.attemptNr !== id.attemptNr) return false;
    this.move(range, report.status === 'finished' ? 'finished' : 'failed');
    if (report.status !== 'finished') this.failedReports++;
    if (report.status === 'fatal') range.attemptNr = 1;
    range.report = report;
    range.reports.push(report);
    return true;
  }

  /**
   * The end of consumer `pandaId`: finished → done; sent/running/failed → ready with one
   * attempt less, or failed for good when it was the last.
   */
  release(pandaId: string): { done: number; retried: number; exhausted: number } {
    const counts = { done: 0, retried: 0, exhausted: 0 };
    let returned = false;
    for (const r of this.byKey.values()) {
      if (r.pandaId !== pandaId) continue;
      if (r.status === 'finished') {
        this.move(r, 'done');
        counts.done++;
      } else if (r.status === 'sent' || r.status === 'running' || (r.status === 'failed' && !r.exhausted)) {
        r.attemptNr -= 1;
        if (r.attemptNr >= 1) {
          this.move(r, 'ready');
          delete r.report;
          returned = true;
          counts.retried++;
        } else {
          this.move(r, 'failed');
          r.exhausted = true;
          this.tally.exhausted++;
          counts.exhausted++;
        }
      }
    }
    if (returned) this.rebuildReady();
    return counts;
  }

  /** Ranges per status, plus `exhausted`: a copy of the tally, whatever the number of ranges. */
  counts(): RangeCounts {
    return { ...this.tally };
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Final `failed`/`fatal` reports applied so far (each a failed attempt). */
  get failedAttempts(): number {
    return this.failedReports;
  }

  private move(r: RangeRecord, to: RangeStatus): void {
    this.tally[r.status]--;
    this.tally[to]++;
    r.status = to;
  }

  private rebuildReady(): void {
    this.ready = [...this.byKey.values()].filter((r) => r.status === 'ready').sort((a, b) => a.fileId - b.fileId || a.processId - b.processId);
    this.head = 0;
  }
}

/** The task's ranges: each input file cut into ranges of `eventsPerRange` events. */
function createRanges(task: TaskSpec): RangeRecord[] {
  const out: RangeRecord[] = [];
  for (const f of task.inputFiles) {
    for (let start = 1, processId = 1; start <= f.events; start += task.eventsPerRange, processId++) {
      out.push({
        key: `${f.fileId}-${processId}`, fileId: f.fileId, processId, lfn: f.lfn, guid: f.guid, scope: f.scope ?? task.scope,
        startEvent: start, lastEvent: Math.min(f.events, start + task.eventsPerRange - 1),
        status: 'ready', attemptNr: task.maxAttempts, reports: [], dispatchCount: 0, exhausted: false,
      });
    }
  }
  return out;
}
