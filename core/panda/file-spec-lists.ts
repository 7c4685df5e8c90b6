/**
 * PanDA describes a job's files as parallel comma-separated lists (`inFiles`, `GUID`,
 * `fsize`, ...; reference/pilot-anchors.md §1.3). These functions zip the columns into
 * FileSpec records, recording an issue per bad entry and per list of the wrong length.
 */
import type { FileSpec, MergeInputList } from '../contracts/job-definition.js';
import { describeValue, type ConfigIssue } from '../errors/config-error.js';
import { parseChecksum } from '../staging/checksum.js';
import { isNullText } from './form-codec.js';

/** Collected problems; `lengths` are the NOTSAMELENGTH kind. */
export interface ListIssues {
  readonly issues: ConfigIssue[];
  readonly lengths: ConfigIssue[];
}

type Column = readonly (string | undefined)[];

/** Splits one list field; undefined when the whole field is absent or a null text. */
export function splitList(raw: Readonly<Record<string, unknown>>, key: string, out: ListIssues): Column | undefined {
  const value = raw[key];
  if (isNullText(value)) return undefined;
  const items: unknown[] = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    if (typeof item === 'number') return String(item);
    if (typeof item !== 'string') {
      out.issues.push({ path: `job.${key}[${i}]`, expected: 'a string', got: describeValue(item) });
      return undefined;
    }
    return isNullText(item) ? undefined : item.trim();
  });
}

/** A column that must have one entry per file, or be absent. */
function parallel(raw: Readonly<Record<string, unknown>>, key: string, n: number, owner: string, out: ListIssues, allowed: readonly number[] = [n]): Column | undefined {
  const col = splitList(raw, key, out);
  if (col && !allowed.includes(col.length)) {
    out.lengths.push({ path: `job.${key}`, expected: `${allowed.join(' or ')} comma-separated entries (one per ${owner} entry)`, got: `${col.length}` });
    return undefined;
  }
  return col;
}

function sizeAt(col: Column | undefined, i: number, key: string, out: ListIssues): number | undefined {
  const v = col?.[i];
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  out.issues.push({ path: `job.${key}[${i}]`, expected: 'an integer ≥ 0', got: describeValue(v) });
  return undefined;
}

function checksumAt(col: Column | undefined, i: number, key: string, out: ListIssues): FileSpec['checksum'] {
  const v = col?.[i];
  try {
    return parseChecksum(v);
  } catch {
    out.issues.push({ path: `job.${key}[${i}]`, expected: 'ad:<adler32 hex> or md5:<md5 hex>', got: describeValue(v) });
    return undefined;
  }
}

function spec(fields: Record<string, string | number | FileSpec['checksum'] | undefined>): FileSpec {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return Object.freeze(out) as unknown as FileSpec;
}

/** Input files: `inFiles` with GUID, fsize, checksum, scopeIn, realDatasetsIn, prodDBlockToken, ddmEndPointIn. */
export function inputFiles(raw: Readonly<Record<string, unknown>>, out: ListIssues): FileSpec[] {
  const lfns = splitList(raw, 'inFiles', out);
  if (!lfns) return [];
  const n = lfns.length;
  const col = (key: string) => parallel(raw, key, n, 'inFiles', out);
  const [guid, fsize, checksum, scope, dataset, token, ddm] =
    ['GUID', 'fsize', 'checksum', 'scopeIn', 'realDatasetsIn', 'prodDBlockToken', 'ddmEndPointIn'].map(col);
  const seen = new Set<string>();
  const files: FileSpec[] = [];
  lfns.forEach((lfn, i) => {
    // Null and repeated names are skipped, as pilot3 does; the columns stay aligned by index.
    if (lfn === undefined || seen.has(lfn)) return;
    seen.add(lfn);
    files.push(spec({
      lfn, guid: guid?.[i], size: sizeAt(fsize, i, 'fsize', out), checksum: checksumAt(checksum, i, 'checksum', out),
      scope: scope?.[i], dataset: dataset?.[i], storageToken: token?.[i], ddmEndpoint: ddm?.[i],
    }));
  });
  return files;
}

/**
 * Output files and the log file. `outFiles` includes the log; `scopeOut` may leave the log
 * out (its scope is `scopeLog`), so it is accepted with one entry fewer.
 */
export function outputFiles(raw: Readonly<Record<string, unknown>>, out: ListIssues): { outputs: FileSpec[]; log?: FileSpec } {
  const lfns = splitList(raw, 'outFiles', out) ?? [];
  const logLfn = isNullText(raw['logFile']) ? undefined : String(raw['logFile']).trim();
  const n = lfns.length;
  const logIndex = logLfn === undefined ? -1 : lfns.indexOf(logLfn);
  const col = (key: string) => parallel(raw, key, n, 'outFiles', out);
  const [dataset, token, ddm] = ['realDatasets', 'destinationDBlockToken', 'ddmEndPointOut'].map(col);
  const scopes = parallel(raw, 'scopeOut', n, 'outFiles', out, logIndex >= 0 ? [n, n - 1] : [n]);
  const scopeLog = isNullText(raw['scopeLog']) ? undefined : String(raw['scopeLog']);
  const logGuid = isNullText(raw['logGUID']) ? undefined : String(raw['logGUID']);
  const shortScopes = scopes !== undefined && scopes.length === n - 1;
  const outputs: FileSpec[] = [];
  const seen = new Set<string>();
  let log: FileSpec | undefined;
  let k = 0; // index into a scopeOut that leaves out the log
  lfns.forEach((lfn, i) => {
    if (i === logIndex) {
      log = spec({ lfn, guid: logGuid, scope: scopeLog ?? (shortScopes ? undefined : scopes?.[i]), dataset: dataset?.[i], storageToken: token?.[i], ddmEndpoint: ddm?.[i] });
      return;
    }
    const scope = shortScopes ? scopes[k++] : scopes?.[i];
    if (lfn === undefined || seen.has(lfn)) return;
    seen.add(lfn);
    outputs.push(spec({ lfn, scope, dataset: dataset?.[i], storageToken: token?.[i], ddmEndpoint: ddm?.[i] }));
  });
  if (logLfn !== undefined && !log) log = spec({ lfn: logLfn, guid: logGuid, scope: scopeLog });
  return { outputs, ...(log ? { log } : {}) };
}

/** `writeToFile` of a merge job: `inputFor_<name>:<a>,<b>^inputFor_<name2>:...`. */
export function mergeInputLists(raw: Readonly<Record<string, unknown>>, out: ListIssues): MergeInputList[] {
  const value = raw['writeToFile'];
  if (isNullText(value)) return [];
  if (typeof value !== 'string') {
    out.issues.push({ path: 'job.writeToFile', expected: 'a string inputFor_<name>:<lfn>,...^...', got: describeValue(value) });
    return [];
  }
  const lists: MergeInputList[] = [];
  value.split('^').forEach((entry, i) => {
    if (!entry.trim()) return;
    const colon = entry.indexOf(':');
    const key = colon > 0 ? entry.slice(0, colon).trim() : '';
    const inputs = colon > 0 ? entry.slice(colon + 1).split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (!key || inputs.length === 0) {
      out.issues.push({ path: `job.writeToFile[${i}]`, expected: 'inputFor_<name>:<lfn>[,<lfn>...]', got: describeValue(entry) });
      return;
    }
    lists.push(Object.freeze({ name: key.replace(/^inputFor_/, ''), inputs: Object.freeze(inputs) }));
  });
  return lists;
}
