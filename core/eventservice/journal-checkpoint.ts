/**
 * The range journal's checkpoint: the unfinished ranges and the tally of the done ones at a
 * byte offset of the journal, so a replay reads the checkpoint and the journal after that
 * offset; its cost follows what is unfinished, not the job's history. The journal itself
 * stays whole (reports read the full history).
 *
 * File: `es-journal.checkpoint.jsonl` beside the journal, replaced atomically (temp file,
 * fsync, rename, directory fsync). Line 1 is the header (`t: checkpoint`: the job header,
 * the offset, the records before it, the length and adler32 of the journal's last line
 * before it, the tally); then one `t: range` line per unfinished range. A reader believes a
 * checkpoint only when every line is well formed (journal-validation.ts), its job header is
 * the journal's, and the journal still holds that line at that offset; otherwise it replays
 * the whole journal (which is complete on its own) and says why.
 */
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { adler32, formatAdler32 } from '../staging/adler32.js';
import { journalLines } from './journal-lines.js';
import { JOURNAL_VERSION, type DoneTally, type JournalJobHeader, type RangeState } from './journal-records.js';
import { JournalFieldError, checkRangeState } from './journal-validation.js';

/** The checkpoint's file name beside the journal. */
export const CHECKPOINT_FILE = 'es-journal.checkpoint.jsonl';

export interface JournalCheckpoint {
  readonly job: JournalJobHeader;
  /** Journal bytes the checkpoint covers (a line boundary). */
  readonly offset: number;
  /** Complete journal records before `offset`. */
  readonly records: number;
  readonly tally: Readonly<DoneTally>;
  readonly ranges: Map<string, RangeState>;
}

/** The journal's last line before the offset, as the checkpoint names it. */
export interface LineMark {
  readonly bytes: number;
  readonly adler32: string;
}

export function checkpointPathOf(journalPath: string): string {
  return join(dirname(journalPath), CHECKPOINT_FILE);
}

/** The mark of the last line of `written` (a batch that ends with a newline). */
export function lastLineMark(written: Buffer): LineMark {
  const start = written.lastIndexOf(0x0a, written.length - 2) + 1;
  const line = written.subarray(start);
  return { bytes: line.length, adler32: formatAdler32(adler32(line)) };
}

/**
 * Writes a checkpoint durably and atomically; `body` holds its range lines (encodeRangeState).
 * @throws the file system's error (the journal keeps going without it: a checkpoint only saves replay time).
 */
export async function writeCheckpoint(
  journalPath: string, head: { job: JournalJobHeader; offset: number; records: number; mark: LineMark; tally: Readonly<DoneTally> },
  body: string, sync: (fh: FileHandle) => Promise<void>,
): Promise<void> {
  const path = checkpointPathOf(journalPath);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    await fh.write(`${JSON.stringify({ t: 'checkpoint', v: JOURNAL_VERSION, ts: Date.now(), job: head.job, offset: head.offset, records: head.records, last: head.mark, tally: head.tally })}\n`);
    await fh.write(body);
    await sync(fh);
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await sync(dir);
  } finally {
    await dir.close();
  }
}

/**
 * Reads the checkpoint of a journal whose header is `job`.
 * @returns the checkpoint, `undefined` when there is none, or why it is not believed.
 */
export async function readCheckpoint(journalPath: string, job: JournalJobHeader, journalSize: number): Promise<JournalCheckpoint | undefined | { refused: string }> {
  const path = checkpointPathOf(journalPath);
  let head: Record<string, unknown> | undefined;
  const ranges = new Map<string, RangeState>();
  try {
    for await (const line of journalLines(path)) {
      if (line.torn) return { refused: `line ${line.n} is cut short` };
      const v = JSON.parse(line.text) as unknown;
      if (!head) {
        head = checkHead(v);
        continue;
      }
      const s = checkRangeState(v);
      if (ranges.has(s.range.id)) return { refused: `line ${line.n}: range ${s.range.id} twice` };
      ranges.set(s.range.id, s);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    return { refused: err instanceof JournalFieldError || err instanceof SyntaxError ? e.message : `cannot be read: ${e.message}` };
  }
  if (!head) return { refused: 'it is empty' };
  if (!isDeepStrictEqual(head['job'], job)) return { refused: 'its job header is not the journal\'s' };
  const offset = head['offset'] as number;
  const mark = head['last'] as LineMark;
  if (offset > journalSize) return { refused: `it covers ${offset} bytes, the journal has ${journalSize}` };
  const fh = await open(journalPath, 'r');
  try {
    const buf = Buffer.alloc(mark.bytes);
    await fh.read(buf, 0, mark.bytes, offset - mark.bytes);
    if (buf[buf.length - 1] !== 0x0a || formatAdler32(adler32(buf)) !== mark.adler32) return { refused: `the journal's line before byte ${offset} is not the one it names` };
  } finally {
    await fh.close();
  }
  return { job, offset, records: head['records'] as number, tally: Object.freeze(head['tally'] as DoneTally), ranges };
}

function checkHead(v: unknown): Record<string, unknown> {
  const h = v as Record<string, unknown>;
  const int = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (typeof h !== 'object' || h === null || h['t'] !== 'checkpoint') throw new JournalFieldError('t', 'a checkpoint header first');
  if (h['v'] !== JOURNAL_VERSION) throw new JournalFieldError('v', `checkpoint version ${JOURNAL_VERSION}`);
  if (!int(h['offset']) || !int(h['records'])) throw new JournalFieldError('offset', 'byte and record counts');
  const m = h['last'] as Record<string, unknown> | undefined;
  if (!m || !int(m['bytes']) || (m['bytes'] as number) < 1 || (m['bytes'] as number) > (h['offset'] as number) || typeof m['adler32'] !== 'string') throw new JournalFieldError('last', 'the length and adler32 of the line before the offset');
  const t = h['tally'] as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object') throw new JournalFieldError('tally', 'the counts of the done ranges');
  for (const k of ['ranges', 'finished', 'failed', 'fatal', 'nEvents', 'nEventsFailed', 'refused', 'nEventsRefused', 'lostOutputs']) if (!int(t[k])) throw new JournalFieldError(`tally.${k}`, 'an integer ≥ 0');
  if (!(typeof t['cpuSeconds'] === 'number' && (t['cpuSeconds'] as number) >= 0)) throw new JournalFieldError('tally.cpuSeconds', 'a number ≥ 0');
  if (t['fatalCode'] !== undefined && !int(t['fatalCode'])) throw new JournalFieldError('tally.fatalCode', 'an integer ≥ 0');
  return h;
}
