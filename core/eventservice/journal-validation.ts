/**
 * What a range journal record may look like, and which record may follow which: the reader
 * checks every line with these before it applies it, so a forged, torn or foreign journal
 * cannot make a recovering pilot report a range it never stored.
 *
 * Shapes are the writers' (RangeJournal.create, RangeTracker): ids follow the event-range
 * parser's rule (core/panda/server-names.ts), times, sizes and codes are safe integers,
 * checksums are `ad:<8 hex>` or `md5:<32 hex>` as formatChecksum writes them. Transitions are the tracker's, plus the one a recovery adds:
 *
 *   job header, once, first
 *   fetched  new ids only (the tracker drops repeats; the parser refuses repeats in one reply)
 *   sent     fetched → sent
 *   output   sent → output (no outcome yet)
 *   stored   output → stored, one object per output path
 *   final    stored → final finished; sent | output | stored → final failed | fatal;
 *            final finished (unacknowledged) → final failed, written by a recovery whose
 *            check of the stored objects failed (es-job-recovery.ts)
 *   reported final → reported, each id once
 *   backlog  anywhere (informational: stage-out backpressure for the report's timeline)
 *   closed   anywhere (informational: recovery acts on range states only)
 *
 * Hand-written checks and module-level patterns: this runs on every record of a journal that
 * may hold millions.
 */
import { describeValue } from '../errors/config-error.js';
import { isServerName } from '../panda/server-names.js';
import { FINAL_RANGE_STATUSES, type EventRange } from '../contracts/event-range.js';
import { firstIssue, rangesFromWire } from './journal-codec.js';
import { JOURNAL_VERSIONS, type JournalJobHeader, type JournalRecord, type RangeOutcome, type RangeState, type StoredObject } from './journal-records.js';

/** One bad field of one record; the reader adds the file and line. */
export class JournalFieldError extends Error {
  constructor(readonly field: string, readonly problem: string) {
    super(`field ${field}: ${problem}`);
    this.name = 'JournalFieldError';
  }
}

/** A ZeroMQ routing id (1–255 bytes) as lowercase hex. */
const PEER = /^(?:[0-9a-f]{2}){1,255}$/;
const CHECKSUM = /^(?:ad:[0-9a-f]{8}|md5:[0-9a-f]{32})$/;

/**
 * Checks that a parsed line is a journal record of a known type with well-formed fields.
 * @throws JournalFieldError naming the first bad field.
 */
export function checkRecordShape(v: unknown): JournalRecord {
  const rec = object(v, 'record');
  switch (rec['t']) {
    case 'job':
      if (!JOURNAL_VERSIONS.has(rec['v'])) bad('v', `a journal version (${[...JOURNAL_VERSIONS].join(' or ')})`, rec['v']);
      checkHeader(object(rec['job'], 'job'));
      break;
    case 'fetched': {
      time(rec);
      if (rec['wire'] !== undefined) return { t: 'fetched', ts: rec['ts'] as number, ranges: wireRanges(rec['wire'], 'wire') };
      const ranges = list(rec['ranges'], 'ranges');
      if (ranges.length === 0) bad('ranges', 'at least one range', ranges);
      for (let i = 0; i < ranges.length; i++) checkRange(ranges[i], `ranges[${i}]`);
      break;
    }
    case 'sent':
      time(rec);
      rangeId(rec['id'], 'id');
      if (rec['peer'] !== undefined && !(typeof rec['peer'] === 'string' && PEER.test(rec['peer']))) bad('peer', 'a routing id in lowercase hex', rec['peer']);
      break;
    case 'output': {
      time(rec);
      rangeId(rec['id'], 'id');
      const paths = list(rec['paths'], 'paths');
      if (paths.length === 0) bad('paths', 'at least one path', paths);
      for (let i = 0; i < paths.length; i++) text(paths[i], `paths[${i}]`);
      seconds(rec['cpu'], 'cpu');
      seconds(rec['wall'], 'wall');
      break;
    }
    case 'stored': {
      time(rec);
      rangeId(rec['id'], 'id');
      const objects = list(rec['objects'], 'objects');
      if (objects.length === 0) bad('objects', 'at least one stored object', objects);
      for (let i = 0; i < objects.length; i++) checkStoredObject(objects[i], `objects[${i}]`);
      break;
    }
    case 'final':
      time(rec);
      rangeId(rec['id'], 'id');
      checkOutcome(object(rec['outcome'], 'outcome'));
      break;
    case 'reported':
      time(rec);
      idList(rec['acked'], 'acked');
      idList(rec['rejected'], 'rejected');
      break;
    case 'backlog':
      time(rec);
      if (typeof rec['full'] !== 'boolean') bad('full', 'true or false', rec['full']);
      count(rec['ranges'], 'ranges');
      count(rec['bytes'], 'bytes');
      break;
    case 'closed':
      time(rec);
      break;
    default:
      bad('t', 'a record type (job, fetched, sent, output, stored, final, reported, backlog, closed)', rec['t']);
  }
  return rec as unknown as JournalRecord;
}

/**
 * Checks one unfinished range of a checkpoint (journal-checkpoint.ts): well-formed fields, and
 * a phase its fields agree with (the states the reducer builds).
 * @throws JournalFieldError naming the first bad field.
 */
export function checkRangeState(v: unknown): RangeState {
  const rec = object(v, 'range');
  if (rec['t'] !== 'range') bad('t', 'a range state ("range")', rec['t']);
  const range = wireRanges([rec['wire']], 'wire')[0]!;
  const p = rec['phase'];
  if (p !== 'fetched' && p !== 'sent' && p !== 'output' && p !== 'stored' && p !== 'final') bad('phase', 'fetched, sent, output, stored or final (a reported range is not in a checkpoint)', p);
  if (rec['sentAt'] !== undefined) count(rec['sentAt'], 'sentAt');
  if (rec['peer'] !== undefined && !(typeof rec['peer'] === 'string' && PEER.test(rec['peer']))) bad('peer', 'a routing id in lowercase hex', rec['peer']);
  const s: RangeState = { range, phase: p };
  if (rec['sentAt'] !== undefined) s.sentAt = rec['sentAt'] as number;
  if (rec['peer'] !== undefined) s.peer = rec['peer'] as string;
  if (rec['outputs'] !== undefined) {
    const o = object(rec['outputs'], 'outputs');
    const paths = list(o['paths'], 'outputs.paths');
    if (paths.length === 0) bad('outputs.paths', 'at least one path', paths);
    for (let i = 0; i < paths.length; i++) text(paths[i], `outputs.paths[${i}]`);
    seconds(o['cpu'], 'outputs.cpu');
    seconds(o['wall'], 'outputs.wall');
    s.outputs = o as unknown as NonNullable<RangeState['outputs']>;
  }
  if (rec['stored'] !== undefined) {
    const objects = list(rec['stored'], 'stored');
    for (let i = 0; i < objects.length; i++) checkStoredObject(objects[i], `stored[${i}]`);
    if (objects.length !== (s.outputs?.paths.length ?? -1)) illegal('stored', 'one stored object per output path', `${objects.length}`);
    s.stored = objects as StoredObject[];
  }
  if (rec['outcome'] !== undefined) {
    checkOutcome(object(rec['outcome'], 'outcome'));
    s.outcome = rec['outcome'] as unknown as RangeOutcome;
  }
  // The fields each phase implies, as the reducer sets them.
  const needs = { fetched: [], sent: [], output: ['outputs'], stored: ['outputs', 'stored'], final: ['outcome'] }[p];
  for (const f of needs) if (rec[f] === undefined) bad(f, `a value for a range in phase ${p}`, undefined);
  if (p !== 'final' && s.outcome) illegal('outcome', 'an outcome only in phase final', `one in phase ${p}`);
  if (s.outcome?.status === 'finished' && !s.stored) illegal('outcome.status', 'finished only after the outputs are stored', 'finished without stored objects');
  if (p !== 'fetched' && p !== 'final' && s.sentAt === undefined) bad('sentAt', `the time a range in phase ${p} was sent`, undefined);
  return s;
}

/** Ranges from the server's descriptions, each checked by the event-range parser. */
function wireRanges(v: unknown, field: string): EventRange[] {
  if (!Array.isArray(v) || v.length === 0) bad(field, 'a list of at least one range', v);
  try {
    return rangesFromWire(v, field);
  } catch (err) {
    const i = firstIssue(err);
    if (!i) throw err;
    throw new JournalFieldError(i.path, i.problem);
  }
}

/** Where the reader is: the header once seen, and the range states so far. */
export interface JournalPosition {
  readonly header: JournalJobHeader | undefined;
  readonly states: ReadonlyMap<string, Readonly<RangeState>>;
}

/**
 * Checks that `rec` may follow what the journal recorded so far (see the table above).
 * @throws JournalFieldError naming the field that breaks the rule.
 */
export function checkTransition(at: JournalPosition, rec: JournalRecord): void {
  if (rec.t === 'job') {
    if (at.header) illegal('t', 'one job header per journal', 'a second one');
    return;
  }
  if (!at.header) illegal('t', 'the job header as the first record', `a "${rec.t}" record`);
  const { states } = at;
  switch (rec.t) {
    case 'fetched': {
      const seen = new Set<string>();
      rec.ranges.forEach((r, i) => {
        if (states.has(r.id) || seen.has(r.id)) illegal(`ranges[${i}].id`, 'a range not fetched before', `${r.id} again`);
        seen.add(r.id);
      });
      return;
    }
    case 'sent':
      phase(states, rec.id, 'fetched', 'sent');
      return;
    case 'output':
      phase(states, rec.id, 'sent', 'output');
      return;
    case 'stored': {
      const s = phase(states, rec.id, 'output', 'stored');
      const n = s.outputs?.paths.length ?? 0;
      if (rec.objects.length !== n) illegal('objects', `one stored object per output path (${n})`, `${rec.objects.length}`);
      return;
    }
    case 'final':
      return checkFinal(states, rec.id, rec.outcome);
    case 'reported': {
      const seen = new Set<string>();
      const check = (ids: readonly string[], field: string) => ids.forEach((id, i) => {
        const s = states.get(id);
        if (!s || seen.has(id) || s.phase !== 'final') {
          illegal(`${field}[${i}]`, 'a range with a final outcome not yet reported', s ? `range ${id} in phase ${seen.has(id) ? 'reported' : s.phase}` : `unknown range ${id}`);
        }
        seen.add(id);
      });
      check(rec.acked, 'acked');
      check(rec.rejected, 'rejected');
      return;
    }
    default:
      return;
  }
}

/** What a journal's header must say for the job being recovered. */
export interface ExpectedJob {
  readonly pandaId: string;
  readonly workdir: string;
  readonly outputLfns: readonly string[];
}

/**
 * Checks that a journal belongs to the job being recovered (a journal copied from another
 * job, or edited, must not be replayed for this one).
 * @returns what differs, or undefined when it matches. `sameDir` compares work directories.
 */
export function headerMismatch(job: JournalJobHeader, expected: ExpectedJob, sameDir: (a: string, b: string) => boolean): string | undefined {
  if (job.pandaId !== expected.pandaId) return `job.pandaId: expected ${expected.pandaId}, got ${describeValue(job.pandaId)}`;
  const lfns = job.outputLfns;
  if (lfns.length !== expected.outputLfns.length || lfns.some((l, i) => l !== expected.outputLfns[i])) {
    return `job.outputLfns: expected the job's outputs ${JSON.stringify(expected.outputLfns)}, got ${JSON.stringify(lfns).slice(0, 200)}`;
  }
  if (!sameDir(job.workdir, expected.workdir)) return `job.workdir: expected ${expected.workdir}, got ${describeValue(job.workdir)}`;
  return undefined;
}

function checkFinal(states: ReadonlyMap<string, Readonly<RangeState>>, id: string, outcome: RangeOutcome): void {
  const s = known(states, id);
  if (s.outcome) {
    // A recovery that could not verify a finished range's objects revokes it before it reports.
    if (s.phase === 'final' && s.outcome.status === 'finished' && outcome.status === 'failed') return;
    illegal('outcome', 'one final outcome per range (a recovery may only turn an unacknowledged finished into failed)', `range ${id} already ${s.outcome.status} (phase ${s.phase})`);
  }
  if (outcome.status === 'finished') {
    if (s.phase !== 'stored') illegal('outcome.status', 'finished only after the outputs are stored', `finished for range ${id} in phase ${s.phase}`);
  } else if (s.phase !== 'sent' && s.phase !== 'output' && s.phase !== 'stored') {
    illegal('outcome.status', `${outcome.status} only for a range sent to the payload`, `${outcome.status} for range ${id} in phase ${s.phase}`);
  }
}

function phase(states: ReadonlyMap<string, Readonly<RangeState>>, id: string, from: RangeState['phase'], to: string): Readonly<RangeState> {
  const s = known(states, id);
  if (s.phase !== from || s.outcome) illegal('t', `"${to}" only for a range in phase ${from}`, `range ${id} in phase ${s.phase}`);
  return s;
}

function known(states: ReadonlyMap<string, Readonly<RangeState>>, id: string): Readonly<RangeState> {
  const s = states.get(id);
  if (!s) illegal('id', 'a range fetched earlier in the journal', `unknown range ${id}`);
  return s;
}

function checkHeader(job: Record<string, unknown>): void {
  text(job['pandaId'], 'job.pandaId');
  optionalText(job['jobsetId'], 'job.jobsetId');
  optionalText(job['taskId'], 'job.taskId');
  const lfns = list(job['outputLfns'], 'job.outputLfns');
  for (let i = 0; i < lfns.length; i++) text(lfns[i], `job.outputLfns[${i}]`);
  optionalText(job['channel'], 'job.channel');
  text(job['workdir'], 'job.workdir');
  count(job['createdAt'], 'job.createdAt');
}

function checkRange(v: unknown, at: string): void {
  const r = object(v, at) as Record<keyof EventRange, unknown>;
  rangeId(r.id, `${at}.id`);
  const start = count(r.startEvent, `${at}.startEvent`);
  if (count(r.lastEvent, `${at}.lastEvent`) < start) bad(`${at}.lastEvent`, `a number ≥ startEvent (${start})`, r.lastEvent);
  text(r.lfn, `${at}.lfn`);
  text(r.guid, `${at}.guid`);
  optionalText(r.scope, `${at}.scope`);
  optionalText(r.pfn, `${at}.pfn`);
  const wire = object(r.wire, `${at}.wire`);
  for (const k in wire) {
    const w = wire[k];
    if (typeof w !== 'string' && !(typeof w === 'number' && Number.isFinite(w))) bad(`${at}.wire.${k.slice(0, 40)}`, 'a string or a number', w);
  }
  const wid = wire['eventRangeID'];
  if (wid !== undefined && String(wid) !== r.id) bad(`${at}.wire.eventRangeID`, `the range's id ${String(r.id)}`, wid);
}

function checkStoredObject(v: unknown, at: string): void {
  const o = object(v, at) as Record<keyof StoredObject, unknown>;
  text(o.path, `${at}.path`);
  text(o.objectName, `${at}.objectName`);
  text(o.url, `${at}.url`);
  count(o.size, `${at}.size`);
  if (!(typeof o.checksum === 'string' && CHECKSUM.test(o.checksum))) bad(`${at}.checksum`, 'ad:<8 hex digits> or md5:<32 hex digits>', o.checksum);
  text(o.mover, `${at}.mover`);
  if (o.zip !== undefined) {
    const z = object(o.zip, `${at}.zip`);
    text(z['lfn'], `${at}.zip.lfn`);
    if (count(z['ranges'], `${at}.zip.ranges`) < 1) bad(`${at}.zip.ranges`, 'at least 1', z['ranges']);
  }
}

function checkOutcome(o: Record<string, unknown>): void {
  if (typeof o['status'] !== 'string' || !FINAL_RANGE_STATUSES.has(o['status'])) bad('outcome.status', 'finished, failed or fatal', o['status']);
  if (o['code'] !== undefined) count(o['code'], 'outcome.code');
  optionalText(o['diag'], 'outcome.diag', true);
}

function time(rec: Record<string, unknown>): void {
  count(rec['ts'], 'ts');
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(field, 'an object', v);
  return v as Record<string, unknown>;
}

function list(v: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(v)) bad(field, 'a list', v);
  return v;
}

function idList(v: unknown, field: string): void {
  const ids = list(v, field);
  for (let i = 0; i < ids.length; i++) rangeId(ids[i], `${field}[${i}]`);
}

function rangeId(v: unknown, field: string): void {
  // The event-range parser's rule: the journal holds only ranges that passed it.
  if (typeof v !== 'string' || !isServerName('eventRangeId', v)) bad(field, 'an event range id <jediTaskID>-<PandaID>-<fileID>-<job_processID>-<attemptNr>', v);
}

function text(v: unknown, field: string): void {
  if (typeof v !== 'string' || v.length === 0) bad(field, 'a non-empty string', v);
}

function optionalText(v: unknown, field: string, mayBeEmpty = false): void {
  if (v !== undefined && (typeof v !== 'string' || (!mayBeEmpty && v.length === 0))) bad(field, 'a non-empty string or nothing', v);
}

function count(v: unknown, field: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) bad(field, 'an integer from 0 to 2^53 − 1', v);
  return v as number;
}

function seconds(v: unknown, field: string): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) bad(field, 'a number of seconds ≥ 0 or nothing', v);
}

/** A field of the wrong type or value: `got` is shown as describeValue shows values. */
function bad(field: string, expected: string, got: unknown): never {
  return illegal(field, expected, describeValue(got));
}

/** A well-formed field that breaks a transition rule: `found` says what the journal holds. */
function illegal(field: string, expected: string, found: string): never {
  throw new JournalFieldError(field, `expected ${expected}, got ${found}`);
}
