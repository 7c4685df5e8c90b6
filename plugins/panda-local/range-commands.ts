/**
 * getEventRanges, updateEventRanges (versions 0, 1, 2) and updateEventRange with panda-server's
 * rules (OraDBProxy.updateEventRanges, reference/pilot-anchors.md §2.2): per entry, a
 * wrongly formatted ID, a missing or unknown status, an unknown PandaID or a job not in
 * sent/running/starting/transferring answer false; running/transferring answer null and
 * change nothing; a final status answers true, whether or not the guarded update changed
 * the range. Every entry is logged with what it did.
 */
import { isPlainObject } from '../../core/index.js';
import { RANGE_UPDATE_STATES, iso, type RangeRecord, type RangeUpdateEntry } from './dispatcher-records.js';
import type { DispatcherState, Reply } from './dispatcher-state.js';
import { parseRangeId } from './range-book.js';

const STATUSES = new Set(['running', 'transferring', 'finished', 'failed', 'fatal']);
const DEFAULT_N_RANGES = 10;
const MAX_N_RANGES = 10_000;
/** panda-server's limit on one updateEventRanges call. */
const MAX_UPDATES = 100_000;

type Params = Readonly<Record<string, unknown>>;
type Commands = Record<string, string | null>;

/** The range as the server sends it, keys in the server's order. */
export function rangeWire(r: RangeRecord): Record<string, string | number> {
  return { eventRangeID: r.eventRangeId!, startEvent: r.startEvent, lastEvent: r.lastEvent, LFN: r.lfn, GUID: r.guid, scope: r.scope };
}

export function getEventRanges(s: DispatcherState, params: Params, now: number): Reply {
  const pandaId = text(params['pandaID']);
  const job = s.jobs.get(pandaId);
  if (!job) return { StatusCode: 30, errorDialog: `unknown PandaID ${pandaId || '(none)'}` };
  if (job.kind !== 'es') return { StatusCode: 30, errorDialog: `PandaID ${pandaId} is not an Event Service job` };
  const jobsetId = text(params['jobsetID']);
  if (jobsetId && jobsetId !== job.jobsetId) return { StatusCode: 30, errorDialog: `jobsetID ${jobsetId} is not the jobset ${job.jobsetId} of PandaID ${pandaId}` };
  const taskId = text(params['taskID']);
  if (taskId && taskId !== String(s.task.taskId)) return { StatusCode: 30, errorDialog: `taskID ${taskId} is not the task ${s.task.taskId} of PandaID ${pandaId}` };
  const raw = text(params['nRanges']);
  // The server's rule: 10 when absent, 8 when unreadable.
  const requested = raw === '' ? DEFAULT_N_RANGES : /^\d+$/.test(raw) ? Math.min(Number(raw), MAX_N_RANGES) : 8;
  const ranges = RANGE_UPDATE_STATES.has(job.status) ? s.book.dispatch(pandaId, requested) : [];
  s.dispatches.push({ seq: s.nextSeq(), time: iso(now), pandaId, requested, eventRangeIds: ranges.map((r) => r.eventRangeId!) });
  return { StatusCode: 0, eventRanges: ranges.map(rangeWire) };
}

/**
 * updateEventRanges, versions as OraDBProxy.updateEventRanges takes them: 0 is a flat list
 * of entries; any other is a list of chunks, each an entry or `{zipFile, eventRanges}` whose
 * entries were zipped into `zipFile` (`lfn`, `objstoreID`, optional `fsize`, `adler32`,
 * `numEvents`, `pathConvention`; registered once per LFN as a `zipoutput` file of the job);
 * 2 also accepts jobs still `activated`. An unreadable version is 0. A zipFile without
 * `lfn` or `objstoreID` makes the server roll the whole call back and answer one `false`.
 */
export function updateEventRanges(s: DispatcherState, params: Params, now: number): Reply {
  const raw = Number.parseInt(text(params['version']), 10);
  const version = Number.isSafeInteger(raw) ? raw : 0;
  let list = params['eventRanges'];
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return { StatusCode: 30, errorDialog: 'eventRanges is not valid JSON' };
    }
  }
  if (!Array.isArray(list)) return { StatusCode: 30, errorDialog: 'eventRanges is not a JSON list' };
  const requestPandaId = text(params['pandaID']) || undefined;
  const commands: Commands = {};
  const flat = version === 0 ? list.map((entry) => ({ entry, zip: undefined })) : flatten(list);
  if (flat === 'bad-zip') {
    s.rangeUpdates.push({ seq: s.nextSeq(), time: iso(now), command: 'updateEventRanges', ...(requestPandaId ? { requestPandaId } : {}), result: false, outcome: 'rejected', reason: 'zipFile without lfn or objstoreID: whole update rolled back' });
    return { StatusCode: 0, Returns: [false], Command: {} };
  }
  if (flat.length > MAX_UPDATES) return { StatusCode: 30, errorDialog: `more than ${MAX_UPDATES} event ranges in one update` };
  const jobStates = version === 2 ? V2_JOB_STATES : RANGE_UPDATE_STATES;
  const returns = flat.map(({ entry, zip }) => {
    const judged = judge(s, entry, 'updateEventRanges', requestPandaId, now, commands, jobStates);
    if (zip && judged.result === true && judged.outcome === 'applied') s.registerZip(zip, parseRangeId(judged.eventRangeId!)!.pandaId, now);
    return judged.result;
  });
  if (requestPandaId && !(requestPandaId in commands)) commands[requestPandaId] = s.jobs.get(requestPandaId)?.command ?? null;
  return { StatusCode: 0, Returns: returns, Command: commands };
}

const V2_JOB_STATES: ReadonlySet<string> = new Set([...RANGE_UPDATE_STATES, 'activated']);

/** The zip file a version-1/2 chunk names, as the server reads it. */
export interface ZipFileReport {
  readonly lfn: string;
  readonly objstoreId: string | number;
  readonly fsize?: number;
  readonly adler32?: string;
  readonly numEvents?: number;
  readonly pathConvention?: string | number;
}

function flatten(chunks: readonly unknown[]): { entry: unknown; zip: ZipFileReport | undefined }[] | 'bad-zip' {
  const out: { entry: unknown; zip: ZipFileReport | undefined }[] = [];
  for (const chunk of chunks) {
    if (!isPlainObject(chunk) || !Array.isArray(chunk['eventRanges'])) {
      out.push({ entry: chunk, zip: undefined });
      continue;
    }
    let zip: ZipFileReport | undefined;
    const z = chunk['zipFile'];
    if (isPlainObject(z)) {
      const objstoreId = scalar(z['objstoreID']);
      if (typeof z['lfn'] !== 'string' || !z['lfn'] || objstoreId === undefined) return 'bad-zip';
      const fsize = Number(z['fsize']);
      const numEvents = Number(z['numEvents']);
      const pathConvention = scalar(z['pathConvention']);
      zip = {
        lfn: z['lfn'], objstoreId, ...(Number.isSafeInteger(fsize) ? { fsize } : {}), ...(typeof z['adler32'] === 'string' ? { adler32: z['adler32'] } : {}),
        ...(Number.isSafeInteger(numEvents) ? { numEvents } : {}), ...(pathConvention !== undefined ? { pathConvention } : {}),
      };
    }
    for (const entry of chunk['eventRanges'] as unknown[]) out.push({ entry, zip });
  }
  return out;
}

/** The single-range command: StatusCode 30 when the entry is rejected. */
export function updateEventRange(s: DispatcherState, params: Params, now: number): Reply {
  const entry: Record<string, unknown> = {};
  for (const k of ['eventRangeID', 'eventStatus', 'errorCode', 'objstoreID', 'errorDiag']) if (params[k] !== undefined) entry[k] = params[k];
  const requestPandaId = text(params['pandaID']) || undefined;
  const commands: Commands = {};
  const judged = judge(s, entry, 'updateEventRange', requestPandaId, now, commands, RANGE_UPDATE_STATES);
  const pandaId = parseRangeId(text(params['eventRangeID']))?.pandaId ?? requestPandaId;
  const command = (pandaId && commands[pandaId]) || 'NULL';
  if (judged.result === false) return { StatusCode: 30, errorDialog: judged.reason ?? 'rejected', Command: command };
  return { StatusCode: 0, Command: command };
}

function judge(
  s: DispatcherState, entry: unknown, command: RangeUpdateEntry['command'], requestPandaId: string | undefined, now: number, commands: Commands,
  jobStates: ReadonlySet<string>,
): RangeUpdateEntry {
  const seen: Record<string, unknown> = { seq: s.nextSeq(), time: iso(now), command, ...(requestPandaId ? { requestPandaId } : {}) };
  const record = (result: boolean | null, outcome: RangeUpdateEntry['outcome'], reason?: string, rangeKey?: string): RangeUpdateEntry => {
    const e = { ...seen, result, outcome, ...(reason ? { reason } : {}), ...(rangeKey ? { rangeKey } : {}) } as unknown as RangeUpdateEntry;
    s.rangeUpdates.push(e);
    return e;
  };
  if (!isPlainObject(entry)) return record(false, 'rejected', 'entry is not an object');
  const id = entry['eventRangeID'];
  const status = entry['eventStatus'];
  if (typeof id === 'string' && id) seen['eventRangeId'] = id;
  if (typeof status === 'string') seen['eventStatus'] = status;
  const errorCode = scalar(entry['errorCode']);
  const objstoreId = scalar(entry['objstoreID']);
  const pathConvention = scalar(entry['pathConvention']);
  if (errorCode !== undefined) seen['errorCode'] = errorCode;
  if (objstoreId !== undefined) seen['objstoreId'] = objstoreId;
  if (pathConvention !== undefined) seen['pathConvention'] = pathConvention;
  if (typeof id !== 'string' || !id) return record(false, 'rejected', 'eventRangeID is missing');
  const rid = parseRangeId(id);
  if (!rid) return record(false, 'rejected', 'wrongly formatted eventRangeID');
  if (typeof status !== 'string') return record(false, 'rejected', 'eventStatus is missing');
  if (!STATUSES.has(status)) return record(false, 'rejected', `unknown status "${status}"`);
  if (status === 'running' || status === 'transferring') return record(null, 'ignored', 'not a final status');
  const job = s.jobs.get(rid.pandaId);
  if (!job) {
    commands[rid.pandaId] = 'tobekilled';
    return record(false, 'rejected', `unknown PandaID ${rid.pandaId}`);
  }
  if (!(rid.pandaId in commands)) commands[rid.pandaId] = job.command ?? null;
  if (!jobStates.has(job.status)) return record(false, 'rejected', `job ${rid.pandaId} is ${job.status}`);
  const range = rid.taskId === s.task.taskId ? s.book.get(rid.fileId, rid.processId) : undefined;
  if (!range) return record(false, 'rejected', 'no such range in the task');
  const report = {
    eventRangeId: id, status: status as 'finished' | 'failed' | 'fatal', time: iso(now),
    ...(errorCode !== undefined ? { errorCode } : {}), ...(objstoreId !== undefined ? { objstoreId } : {}),
    ...(pathConvention !== undefined ? { pathConvention } : {}),
  };
  if (s.book.applyFinal(range, rid, report)) {
    if (report.status === 'finished') s.registerRangeOutput(range, report, rid.pandaId, now);
    return record(true, 'applied', undefined, range.key);
  }
  const why = range.eventRangeId !== id ? `stale ID: the range is now ${range.eventRangeId} (${range.status})` : `range already ${range.status}`;
  return record(true, 'noop', why, range.key);
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

function scalar(v: unknown): number | string | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() && v !== 'None' && v !== 'NULL') return /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : v.slice(0, 100);
  return undefined;
}
