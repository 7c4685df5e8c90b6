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
import { readFile } from 'node:fs/promises';

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

export interface BacklogSpan {
  readonly from: number;
  to?: number;
  readonly ranges: number;
  readonly bytes: number;
}

/** A journal read for a report: its header, its ranges with their times, and when it closed. */
export interface JournalTimeline {
  readonly path: string;
  readonly job?: JournalJobHeader;
  /** In fetch order. */
  readonly ranges: readonly RangeTiming[];
  readonly closedAt?: number;
  /** Stage-out backpressure episodes: ranges not handed out from `from` to `to` (open: none), outputs awaiting upload when it began. */
  readonly backlog: readonly BacklogSpan[];
  /** Lines that were not journal records (a torn last line); they are skipped. */
  readonly skippedLines: number;
}

/**
 * @returns the timeline, or undefined when the file does not exist.
 * @throws the read error for any other unreadable file.
 */
export async function readJournalTimeline(path: string): Promise<JournalTimeline | undefined> {
  try {
    return journalTimelineOf(path, await readFile(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Builds the timeline from the journal (one JSON record per line). Lines are decoded one at
 * a time from the bytes: a 10,000-range journal is 10 MB, and its text split into lines
 * would cost twice that again.
 */
export function journalTimelineOf(path: string, content: string | Buffer): JournalTimeline {
  const byId = new Map<string, RangeTiming>();
  let job: JournalJobHeader | undefined;
  let closedAt: number | undefined;
  let skippedLines = 0;
  const backlog: BacklogSpan[] = [];
  for (const line of lines(typeof content === 'string' ? Buffer.from(content, 'utf8') : content)) {
    if (!line) continue;
    const rec = parse(line);
    if (!rec) {
      skippedLines++;
      continue;
    }
    if (rec.t === 'job') job = rec.job;
    else if (rec.t === 'closed') closedAt = rec.ts;
    else if (rec.t === 'backlog') {
      const open = backlog[backlog.length - 1];
      if (rec.full) backlog.push({ from: rec.ts, ranges: rec.ranges, bytes: rec.bytes });
      else if (open && open.to === undefined) open.to = rec.ts;
    } else apply(byId, rec);
  }
  return Object.freeze({ path, ...(job ? { job } : {}), ranges: [...byId.values()], ...(closedAt !== undefined ? { closedAt } : {}), backlog, skippedLines });
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
