/**
 * Reads a range journal into per-range timings for reports: when each range was fetched,
 * dispatched to which payload worker, produced, stored, decided and acknowledged. The
 * journal reader (core/eventservice) rebuilds states for recovery and drops the times; a
 * report needs every timestamp, so this walks the same records keeping them.
 */
import type { FinalRangeStatus } from '../contracts/event-range.js';
import type { JournalJobHeader, JournalRecord, RangePhase, StoredObject } from '../eventservice/journal-records.js';
import { eventsIn } from '../eventservice/journal-records.js';
import { fetchedRanges } from '../eventservice/journal-codec.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One range as a report shows it. Times are milliseconds since the epoch. */
export interface RangeTiming {
  readonly id: string;
  readonly lfn: string;
  readonly startEvent: number;
  readonly lastEvent: number;
  readonly events: number;
  /** Hex routing id of the payload worker that got the range (journals before it was recorded: none). */
  worker?: string;
  phase: RangePhase;
  fetchedAt: number;
  sentAt?: number;
  outputAt?: number;
  storedAt?: number;
  decidedAt?: number;
  reportedAt?: number;
  /** Final status, or `pending` when none was decided. */
  status: FinalRangeStatus | 'pending';
  code?: number;
  diag?: string;
  /** The server's answer to the final report. */
  report?: 'acked' | 'rejected';
  cpuSeconds?: number;
  objects: readonly StoredObject[];
}

/**
 * A span of the job's life the timeline marks as a band across the lanes. `backpressure`:
 * dispatch paused because the outputs awaiting stage-out reached their bound; other kinds
 * are drawn the same way, labelled by kind.
 */
export interface TimelineEvent {
  readonly kind: 'backpressure' | (string & {});
  readonly startMs: number;
  readonly endMs: number;
  /** Why, in words (e.g. `512 outputs / 2.1 GiB awaiting stage-out`). */
  readonly detail?: string;
}

/** A journal read for a report: its header, its ranges with their times, and when it closed. */
export interface JournalTimeline {
  readonly path: string;
  readonly job?: JournalJobHeader;
  /** In fetch order. */
  readonly ranges: readonly RangeTiming[];
  /** Pauses and other spans recorded in the journal, in time order (none: absent or empty). */
  readonly events?: readonly TimelineEvent[];
  readonly closedAt?: number;
  /** Lines that were not journal records (a torn last line); they are skipped. */
  readonly skippedLines: number;
}

/**
 * Reads the journal line by line from a stream: a million-range journal is over a gigabyte,
 * more than one string (or comfortably one buffer) holds.
 * @returns the timeline, or undefined when the file does not exist.
 * @throws the read error for any other unreadable file.
 */
export async function readJournalTimeline(path: string): Promise<JournalTimeline | undefined> {
  const b = new TimelineBuilder(path);
  const input = createReadStream(path);
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) b.line(line);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  } finally {
    input.destroy();
  }
  return b.result();
}

/** Builds the timeline from a journal's whole content (one JSON record per line). */
export function journalTimelineOf(path: string, content: string | Buffer): JournalTimeline {
  const b = new TimelineBuilder(path);
  for (const line of lines(typeof content === 'string' ? Buffer.from(content, 'utf8') : content)) b.line(line);
  return b.result();
}

/** Applies journal lines in order and gives the timeline they make. */
class TimelineBuilder {
  private readonly byId = new Map<string, RangeTiming>();
  private job: JournalJobHeader | undefined;
  private closedAt: number | undefined;
  private skippedLines = 0;
  private readonly events: TimelineEvent[] = [];
  private pause: { readonly startMs: number; readonly detail: string } | undefined;
  private lastTs = 0;

  constructor(private readonly path: string) {}

  line(line: string): void {
    if (!line) return;
    const rec = parse(line);
    if (!rec) {
      this.skippedLines++;
      return;
    }
    if ('ts' in rec && typeof rec.ts === 'number') this.lastTs = Math.max(this.lastTs, rec.ts);
    if (rec.t === 'job') this.job = rec.job;
    else if (rec.t === 'closed') this.closedAt = rec.ts;
    else if (rec.t === 'backlog') this.backlog(rec);
    else apply(this.byId, rec);
  }

  /** A backpressure episode: `full` when dispatch paused at the stage-out bound, then its end. */
  private backlog(rec: Extract<JournalRecord, { t: 'backlog' }>): void {
    if (rec.full) {
      this.pause ??= { startMs: rec.ts, detail: `${rec.ranges} output(s) / ${rec.bytes} bytes awaiting stage-out` };
    } else if (this.pause) {
      this.events.push({ kind: 'backpressure', startMs: this.pause.startMs, endMs: rec.ts, detail: this.pause.detail });
      this.pause = undefined;
    }
  }

  result(): JournalTimeline {
    const { path, job, closedAt, skippedLines } = this;
    // A pause still open when the journal ends lasted until its close (or its last record).
    const events = this.pause ? [...this.events, { kind: 'backpressure', startMs: this.pause.startMs, endMs: closedAt ?? this.lastTs, detail: this.pause.detail }] : this.events;
    return Object.freeze({
      path, ...(job ? { job } : {}), ranges: [...this.byId.values()], ...(events.length ? { events } : {}), ...(closedAt !== undefined ? { closedAt } : {}), skippedLines,
    });
  }
}

function apply(byId: Map<string, RangeTiming>, rec: Exclude<JournalRecord, { t: 'job' } | { t: 'closed' } | { t: 'backlog' }>): void {
  if (rec.t === 'fetched') {
    for (const r of fetchedRanges(rec)) {
      if (byId.has(r.id)) continue;
      byId.set(r.id, {
        id: r.id, lfn: r.lfn, startEvent: r.startEvent, lastEvent: r.lastEvent, events: eventsIn(r),
        phase: 'fetched', fetchedAt: rec.ts, status: 'pending', objects: [],
      });
    }
    return;
  }
  if (rec.t === 'reported') {
    for (const id of rec.acked) setReport(byId.get(id), 'acked', rec.ts);
    for (const id of rec.rejected) setReport(byId.get(id), 'rejected', rec.ts);
    return;
  }
  const r = byId.get(rec.id);
  if (!r) return;
  switch (rec.t) {
    case 'sent':
      Object.assign(r, { phase: 'sent', sentAt: rec.ts, ...(rec.peer ? { worker: rec.peer } : {}) });
      return;
    case 'output':
      Object.assign(r, { phase: 'output', outputAt: rec.ts, ...(rec.cpu !== undefined ? { cpuSeconds: rec.cpu } : {}) });
      return;
    case 'stored':
      Object.assign(r, { phase: 'stored', storedAt: rec.ts, objects: rec.objects });
      return;
    case 'final':
      Object.assign(r, {
        phase: 'final', decidedAt: rec.ts, status: rec.outcome.status,
        ...(rec.outcome.code !== undefined ? { code: rec.outcome.code } : {}), ...(rec.outcome.diag ? { diag: rec.outcome.diag } : {}),
      });
      return;
  }
}

function setReport(r: RangeTiming | undefined, answer: 'acked' | 'rejected', ts: number): void {
  if (!r || r.report) return;
  r.report = answer;
  r.reportedAt = ts;
  r.phase = 'reported';
}

function* lines(buf: Buffer): Generator<string> {
  for (let start = 0; start < buf.length;) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl < 0 ? buf.length : nl;
    yield buf.toString('utf8', start, end);
    start = end + 1;
  }
}

function parse(line: string): JournalRecord | undefined {
  try {
    const rec = JSON.parse(line) as JournalRecord;
    return rec && typeof rec === 'object' && typeof rec.t === 'string' ? rec : undefined;
  } catch {
    return undefined;
  }
}
