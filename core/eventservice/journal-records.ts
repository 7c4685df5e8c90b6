/**
 * The range journal's record types and the one reducer that turns records into range
 * states. The live tracker and the journal reader both use `applyJournalRecord`, so what a
 * restarted pilot reconstructs is, by construction, what the running pilot believed.
 *
 * A range whose final report the server answered is done: with a `DoneTally` the reducer
 * folds it into counts and forgets it, so memory follows what is unfinished, not the job's
 * history (a 1M-range job).
 */
import type { EventRange, FinalRangeStatus } from '../contracts/event-range.js';
import type { CompactStringSet } from './compact-string-set.js';

/** Version 2 stores a fetched range once, as the server sent it (`wire`); version 1 journals stay readable. */
export const JOURNAL_VERSION = 2;
/** Header versions a reader accepts. */
export const JOURNAL_VERSIONS: ReadonlySet<unknown> = new Set([1, 2]);
/** The journal's file name inside the job's work directory. */
export const JOURNAL_FILE = 'es-journal.jsonl';

/** Where a range is in its life. Each phase is entered only after its record is durable. */
export type RangePhase = 'fetched' | 'sent' | 'output' | 'stored' | 'final' | 'reported';

export interface JournalJobHeader {
  readonly pandaId: string;
  readonly jobsetId?: string;
  readonly taskId?: string;
  /** The job's output LFNs; object names are `<lfn>.<eventRangeID>`. */
  readonly outputLfns: readonly string[];
  readonly channel?: string;
  readonly workdir: string;
  readonly createdAt: number;
}

/** One output file of a range as stored and verified by a SiteMover. */
export interface StoredObject {
  readonly path: string;
  readonly objectName: string;
  readonly url: string;
  readonly size: number;
  /** `ad:<hex>` (or `md5:<hex>`), as verified by the mover. */
  readonly checksum: string;
  readonly mover: string;
  /**
   * Set when the output was stored inside a zip with other ranges' outputs (pilot3's premerge
   * archive): `url`, `size` and `checksum` are then the zip's, `objectName` the entry's name.
   */
  readonly zip?: { readonly lfn: string; readonly ranges: number };
}

export interface RangeOutcome {
  readonly status: FinalRangeStatus;
  readonly code?: number;
  readonly diag?: string;
}

export type JournalRecord =
  | { readonly t: 'job'; readonly v: number; readonly job: JournalJobHeader }
  | { readonly t: 'fetched'; readonly ts: number; readonly ranges: readonly EventRange[] }
  /** `peer`: hex routing id of the payload worker whose `Ready` got the range (reports draw one lane per worker). */
  | { readonly t: 'sent'; readonly ts: number; readonly id: string; readonly peer?: string }
  | { readonly t: 'output'; readonly ts: number; readonly id: string; readonly paths: readonly string[]; readonly cpu?: number; readonly wall?: number }
  | { readonly t: 'stored'; readonly ts: number; readonly id: string; readonly objects: readonly StoredObject[] }
  | { readonly t: 'final'; readonly ts: number; readonly id: string; readonly outcome: RangeOutcome }
  | { readonly t: 'reported'; readonly ts: number; readonly acked: readonly string[]; readonly rejected: readonly string[] }
  /** Stage-out backpressure: `full` when ranges stopped being handed out, then when they were again (stage-out-backlog.ts). */
  | { readonly t: 'backlog'; readonly ts: number; readonly full: boolean; readonly ranges: number; readonly bytes: number }
  | { readonly t: 'closed'; readonly ts: number };

/** Everything known about one range. */
export interface RangeState {
  readonly range: EventRange;
  phase: RangePhase;
  sentAt?: number;
  /** Hex routing id of the payload peer the range was sent to (the only one that may report on it). */
  peer?: string;
  outputs?: { readonly paths: readonly string[]; readonly cpu?: number; readonly wall?: number };
  stored?: readonly StoredObject[];
  outcome?: RangeOutcome;
  /** The server's answer to the final report: applied, or refused (never retried). */
  report?: 'acked' | 'rejected';
}

/** What the done ranges (final report answered) add up to, once they are forgotten. */
export interface DoneTally {
  /** Done ranges. */
  ranges: number;
  finished: number;
  failed: number;
  fatal: number;
  /** Events in finished ranges the server acknowledged. */
  nEvents: number;
  nEventsFailed: number;
  refused: number;
  nEventsRefused: number;
  lostOutputs: number;
  cpuSeconds: number;
  fatalCode?: number;
}

export function emptyTally(): DoneTally {
  return { ranges: 0, finished: 0, failed: 0, fatal: 0, nEvents: 0, nEventsFailed: 0, refused: 0, nEventsRefused: 0, lostOutputs: 0, cpuSeconds: 0 };
}

/**
 * Where done ranges go: their counts, and optionally their ids and output paths (the live
 * tracker keeps both, compactly: a few bytes per done range at 1M ranges).
 */
export interface DoneBook {
  readonly tally: DoneTally;
  readonly ids?: CompactStringSet;
  readonly outputPaths?: CompactStringSet;
}

/** Adds one reported range to the tally (the same rules as RangeTracker.summary). */
export function tallyDone(t: DoneTally, s: Readonly<RangeState>): void {
  t.ranges++;
  t.cpuSeconds += s.outputs?.cpu ?? 0;
  const o = s.outcome;
  if (!o) return;
  if (s.report === 'rejected') {
    t.refused++;
    t.nEventsRefused += eventsIn(s.range);
    return;
  }
  if (o.status === 'finished') {
    t.finished++;
    t.nEvents += eventsIn(s.range);
    return;
  }
  if (o.status === 'fatal') {
    t.fatal++;
    t.fatalCode ??= o.code;
  } else t.failed++;
  t.nEventsFailed += eventsIn(s.range);
  if (s.outputs) t.lostOutputs++;
}

/**
 * Applies one record to the states (mutating the map). Records for unknown ranges are
 * ignored: the writer never produces them, and a reader must not invent ranges. It trusts
 * its input: the reader checks every record's shape and transition first (journal-validation.ts).
 * With `done`, a range whose report was answered leaves the map for the book.
 */
export function applyJournalRecord(states: Map<string, RangeState>, rec: JournalRecord, done?: DoneBook): void {
  switch (rec.t) {
    case 'fetched':
      for (const range of rec.ranges) if (!states.has(range.id)) states.set(range.id, { range, phase: 'fetched' });
      return;
    case 'sent':
      return update(states, rec.id, (s) => {
        s.phase = 'sent';
        s.sentAt = rec.ts;
        if (rec.peer !== undefined) s.peer = rec.peer;
      });
    case 'output':
      return update(states, rec.id, (s) => {
        s.phase = 'output';
        s.outputs = { paths: rec.paths, ...(rec.cpu !== undefined ? { cpu: rec.cpu } : {}), ...(rec.wall !== undefined ? { wall: rec.wall } : {}) };
      });
    case 'stored':
      return update(states, rec.id, (s) => { s.phase = 'stored'; s.stored = rec.objects; });
    case 'final':
      return update(states, rec.id, (s) => { s.phase = 'final'; s.outcome = rec.outcome; });
    case 'reported':
      for (const id of rec.acked) update(states, id, (s) => { s.phase = 'reported'; s.report = 'acked'; });
      for (const id of rec.rejected) update(states, id, (s) => { s.phase = 'reported'; s.report = 'rejected'; });
      if (done) for (const ids of [rec.acked, rec.rejected]) for (const id of ids) forget(states, id, done);
      return;
    default:
      return;
  }
}

function forget(states: Map<string, RangeState>, id: string, done: DoneBook): void {
  const s = states.get(id);
  if (s?.phase !== 'reported') return;
  states.delete(id);
  tallyDone(done.tally, s);
  done.ids?.add(id);
  if (done.outputPaths && s.outputs) for (const p of s.outputs.paths) done.outputPaths.add(p);
}

function update(states: Map<string, RangeState>, id: string, fn: (s: RangeState) => void): void {
  const s = states.get(id);
  if (s) fn(s);
}

/** Events in a range (positions are inclusive). */
export function eventsIn(range: EventRange): number {
  return Math.max(0, range.lastEvent - range.startEvent + 1);
}
