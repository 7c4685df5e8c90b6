/**
 * Reads a range journal back into range states, for a restarted pilot (the recovery
 * command) that must finish a job's uploads and reports without losing or repeating any.
 *
 * Typical use:
 * ```ts
 * const snap = await readRangeJournal(join(workdir, JOURNAL_FILE));
 * const work = pendingWork(snap);
 * // work.upload: outputs received but not stored -> upload (if the files are intact), then report
 * // work.report: final outcome decided but not acknowledged -> send exactly that outcome again
 * // work.inFlight / work.undispatched: never reported; the server re-dispatches them
 * const journal = await RangeJournal.reopen(snap.path);
 * const tracker = RangeTracker.fromSnapshot(snap, journal, log); // continue with the same rules
 * ```
 */
import { readFile } from 'node:fs/promises';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import { applyJournalRecord, type JournalJobHeader, type JournalRecord, type RangeState } from './journal-records.js';

export interface JournalSnapshot {
  readonly path: string;
  readonly job: JournalJobHeader;
  /** Every range the job fetched, by eventRangeID, in fetch order. */
  readonly ranges: ReadonlyMap<string, Readonly<RangeState>>;
  /** The job wrote its `closed` record: nothing was left to do. */
  readonly closed: boolean;
  /** The last line was cut short (the pilot died while writing it); it was ignored. */
  readonly tornTail: boolean;
  readonly records: number;
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
 * @throws PilotError FILEHANDLINGFAILURE (1303) when the file cannot be read, has no header,
 *   or has a corrupt line other than the last.
 */
export async function readRangeJournal(path: string): Promise<JournalSnapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw corrupt(path, `cannot be read: ${(err as Error).message}`);
  }
  const lines = text.split('\n');
  // A complete journal ends with a newline, so the final element is empty.
  const last = lines.pop() ?? '';
  let tornTail = last.length > 0;
  const states = new Map<string, RangeState>();
  let job: JournalJobHeader | undefined;
  let closed = false;
  let records = 0;
  lines.forEach((line, i) => {
    const rec = parseLine(line);
    if (!rec) {
      if (i === lines.length - 1 && !tornTail) {
        tornTail = true;
        return;
      }
      throw corrupt(path, `line ${i + 1} is not a journal record`);
    }
    records++;
    if (rec.t === 'job') job = rec.job;
    else if (rec.t === 'closed') closed = true;
    else applyJournalRecord(states, rec);
  });
  if (!job) throw corrupt(path, 'has no job header');
  return Object.freeze({ path, job, ranges: states, closed, tornTail, records });
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

function parseLine(line: string): JournalRecord | undefined {
  if (!line) return undefined;
  try {
    const rec = JSON.parse(line) as JournalRecord;
    return rec && typeof rec === 'object' && typeof rec.t === 'string' ? rec : undefined;
  } catch {
    return undefined;
  }
}

function corrupt(path: string, why: string): PilotError {
  return new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `range journal ${path} ${why}`, { recoverable: false });
}
