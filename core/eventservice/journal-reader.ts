/**
 * Reads a range journal back into range states, for a restarted pilot (the recovery
 * command) that must finish a job's uploads and reports without losing or repeating any.
 *
 * Typical use:
 * ```ts
 * const snap = await replayRangeJournal(join(workdir, JOURNAL_FILE), expected); // from its checkpoint, done ranges tallied
 * const work = pendingWork(snap);
 * // work.upload: outputs received but not stored -> upload (if the files are intact), then report
 * // work.report: final outcome decided but not acknowledged -> send exactly that outcome again
 * // work.inFlight / work.undispatched: never reported; the server re-dispatches them
 * const journal = await RangeJournal.reopen(snap.path, snap, { syncs });
 * const tracker = RangeTracker.fromSnapshot(snap, journal, log); // continue with the same rules
 * // for each work.report entry: reporter.enqueue({ eventRangeId, eventStatus: outcome.status, errorCode: outcome.code })
 * ```
 *
 * What a crash can leave: every record up to the last durable one is there (records are
 * written in order); `sent` and `reported` records are written without waiting (see
 * RangeTracker), so after a crash a range may show as `fetched` instead of `sent` (left to
 * the server either way) or as `final` instead of `reported` (its identical report is sent
 * again, a no-op for the server). An `output` record means the payload's file was reported;
 * check that it still exists and is intact before uploading it. A torn last line is ignored;
 * every other line is checked (journal-validation.ts). A `stored` record says what the dead
 * pilot stored; check the objects are still there before reporting them (stored-object-check.ts).
 */
import { realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import { readCheckpoint } from './journal-checkpoint.js';
import { journalLines } from './journal-lines.js';
import { applyJournalRecord, emptyTally, type DoneTally, type JournalJobHeader, type JournalRecord, type RangeState } from './journal-records.js';
import { JournalFieldError, checkRecordShape, checkTransition, headerMismatch, type ExpectedJob } from './journal-validation.js';

export interface JournalSnapshot {
  readonly path: string;
  readonly job: JournalJobHeader;
  /**
   * The ranges the snapshot holds, by eventRangeID, in fetch order: every range the job
   * fetched (`readRangeJournal`), or only those not done (`replayRangeJournal`).
   */
  readonly ranges: ReadonlyMap<string, Readonly<RangeState>>;
  /** What the done ranges left out of `ranges` add up to (all zero when none was left out). */
  readonly tally: Readonly<DoneTally>;
  /** The job wrote its `closed` record: nothing was left to do. */
  readonly closed: boolean;
  /** The last line was cut short (the pilot died while writing it); it was ignored. */
  readonly tornTail: boolean;
  /** The number of that line. */
  readonly tornLine?: number;
  /** Complete records in the journal (the torn line not counted). */
  readonly records: number;
  /** Where the replay started: a checkpoint's offset, or why the checkpoint was not believed. */
  readonly checkpoint?: { readonly offset: number; readonly records: number } | { readonly refused: string };
}

export interface PendingWork {
  /** Output received, not yet stored: upload, then report `finished` (or `failed` 1137). */
  readonly upload: readonly Readonly<RangeState>[];
  /** Stored but no outcome recorded: report `finished`. */
  readonly stored: readonly Readonly<RangeState>[];
  /** Outcome recorded but not acknowledged: send exactly this outcome (identical retransmission). */
  readonly report: readonly Readonly<RangeState>[];
  /** Sent to the payload, nothing came back. Left to the server, which re-dispatches them. */
  readonly inFlight: readonly Readonly<RangeState>[];
  /** Fetched but never sent. Left to the server. */
  readonly undispatched: readonly Readonly<RangeState>[];
}

/**
 * Reads and checks a journal: every complete line must be a well-formed record that may
 * follow the ones before it (journal-validation.ts); with `expected`, the header must name
 * that job, its outputs and its work directory. The one tolerated defect is a torn last line
 * (no newline: the pilot died while appending it). An append resolves only once its line,
 * newline included, is on disk, so nothing was acted on for that line; it is ignored and
 * reported as `tornLine`.
 * @throws PilotError FILEHANDLINGFAILURE (1303) when the file cannot be read, has no header,
 *   or any complete line is not JSON, not a well-formed record or not a legal transition; the
 *   message names the line and the field.
 */
export function readRangeJournal(path: string, expected?: ExpectedJob): Promise<JournalSnapshot> {
  return replay(path, expected, false);
}

/**
 * Reads a journal for a recovery, with memory and time that follow what is unfinished: from
 * its checkpoint (journal-checkpoint.ts) when one is there and checks out, and folding every
 * done range (final report answered) into `tally`. The same checks as `readRangeJournal`
 * for every line it reads; a checkpoint that is not believed is named in `checkpoint.refused`
 * and the whole journal is read instead.
 * @throws PilotError FILEHANDLINGFAILURE (1303) as `readRangeJournal`.
 */
export function replayRangeJournal(path: string, expected?: ExpectedJob): Promise<JournalSnapshot> {
  return replay(path, expected, true);
}

async function replay(path: string, expected: ExpectedJob | undefined, compact: boolean): Promise<JournalSnapshot> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw corrupt(path, `cannot be read: ${(err as Error).message}`);
  }
  let states = new Map<string, RangeState>();
  const tally = emptyTally();
  const done = compact ? { tally } : undefined;
  const at = { header: undefined as JournalJobHeader | undefined, states };
  let closed = false;
  let records = 0;
  let from = 0;
  let checkpoint: JournalSnapshot['checkpoint'];
  let tornLine: number | undefined;
  const take = (rec: JournalRecord, n: number) => {
    try {
      checkTransition(at, rec);
    } catch (err) {
      throw badLine(path, n, err);
    }
    if (rec.t === 'job') {
      at.header = rec.job;
      const differs = expected && headerMismatch(rec.job, expected, sameDir);
      if (differs) throw corrupt(path, `line ${n} is the header of another job: ${differs}`);
    } else if (rec.t === 'closed') closed = true;
    else applyJournalRecord(states, rec, done);
  };
  try {
    if (compact) {
      // The header first: a checkpoint is believed only for this journal's job.
      for await (const line of journalLines(path)) {
        if (!line.torn) take(parseLine(path, line.text, 1), 1);
        break;
      }
      const cp = at.header ? await readCheckpoint(path, at.header, size) : undefined;
      if (cp && 'refused' in cp) checkpoint = cp;
      else if (cp) {
        states = at.states = cp.ranges;
        Object.assign(tally, cp.tally);
        from = cp.offset;
        records = cp.records;
        checkpoint = { offset: cp.offset, records: cp.records };
      }
      if (!checkpoint || 'refused' in checkpoint) {
        at.header = undefined;
        states.clear();
      }
    }
    for await (const line of journalLines(path, from)) {
      const n = records + 1;
      if (line.torn) {
        tornLine = n;
        break;
      }
      take(parseLine(path, line.text, n), n);
      records++;
    }
  } catch (err) {
    if (err instanceof PilotError) throw err;
    throw corrupt(path, `cannot be read: ${(err as Error).message}`);
  }
  if (!at.header) throw corrupt(path, 'has no job header');
  return Object.freeze({
    path, job: at.header, ranges: states, tally: Object.freeze(tally), closed, tornTail: tornLine !== undefined, ...(tornLine !== undefined ? { tornLine } : {}), records,
    ...(checkpoint ? { checkpoint } : {}),
  });
}

/** Sorts the ranges of a snapshot by what a restarted pilot still has to do. */
export function pendingWork(snapshot: JournalSnapshot): PendingWork {
  const out = { upload: [] as RangeState[], stored: [] as RangeState[], report: [] as RangeState[], inFlight: [] as RangeState[], undispatched: [] as RangeState[] };
  for (const s of snapshot.ranges.values()) {
    if (s.phase === 'output') out.upload.push(s);
    else if (s.phase === 'stored') out.stored.push(s);
    else if (s.phase === 'final') out.report.push(s);
    else if (s.phase === 'sent') out.inFlight.push(s);
    else if (s.phase === 'fetched') out.undispatched.push(s);
  }
  return out;
}

function parseLine(path: string, line: string, n: number): JournalRecord {
  if (!line) throw corrupt(path, `line ${n} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw corrupt(path, `line ${n} is not JSON (${(err as Error).message}); only a torn last line is tolerated`);
  }
  try {
    return checkRecordShape(value);
  } catch (err) {
    throw badLine(path, n, err);
  }
}

function badLine(path: string, n: number, err: unknown): Error {
  return err instanceof JournalFieldError ? corrupt(path, `line ${n}: ${err.message}`) : (err as Error);
}

/** Same directory: equal once resolved, or the same real directory. */
function sameDir(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function corrupt(path: string, why: string): PilotError {
  return new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `range journal ${path} ${why}`, { recoverable: false });
}
