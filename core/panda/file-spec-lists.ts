/**
 * PanDA describes a job's files as parallel comma-separated lists (`inFiles`, `GUID`,
 * `fsize`, ...; reference/pilot-anchors.md §1.3). These functions zip the columns into
 * FileSpec records, recording an issue per bad entry and per list of the wrong length.
 * Every LFN, GUID, scope and dataset is held to server-names.ts.
 */
import type { FileSpec, MergeInputList } from '../contracts/job-definition.js';
import { describeValue, type ConfigIssue } from '../errors/config-error.js';
import { parseChecksum } from '../staging/checksum.js';
import { isNullText } from './form-codec.js';
import { checkServerName, safeCount, type ServerNameKind } from './server-names.js';

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
  const n = safeCount(v);
  if (n !== undefined) return n;
  out.issues.push({ path: `job.${key}[${i}]`, expected: 'an integer from 0 to 2^53 − 1', got: describeValue(v) });
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

/** Entry `i` of a name column, checked; `key` names the column in messages. */
function nameAt(kind: ServerNameKind, col: Column | undefined, i: number, key: string, out: ListIssues): string | undefined {
  return checkServerName(kind, col?.[i], `job.${key}[${i}]`, out.issues);
}

/** A single-valued name field (`logFile`, `scopeLog`, `logGUID`). */
function nameField(kind: ServerNameKind, raw: Readonly<Record<string, unknown>>, key: string, out: ListIssues): string | undefined {
  return isNullText(raw[key]) ? undefined : checkServerName(kind, String(raw[key]).trim(), `job.${key}`, out.issues);
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
      lfn: nameAt('lfn', lfns, i, 'inFiles', out), guid: nameAt('guid', guid, i, 'GUID', out),
      size: sizeAt(fsize, i, 'fsize', out), checksum: checksumAt(checksum, i, 'checksum', out),
      scope: nameAt('scope', scope, i, 'scopeIn', out), dataset: nameAt('dataset', dataset, i, 'realDatasetsIn', out),
      storageToken: token?.[i], ddmEndpoint: ddm?.[i],
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
  // The raw name places the log among outFiles; a bad one is reported (once) but keeps the columns aligned.
  const logLfn = isNullText(raw['logFile']) ? undefined : String(raw['logFile']).trim();
  nameField('lfn', raw, 'logFile', out);
  const n = lfns.length;
  const logIndex = logLfn === undefined ? -1 : lfns.indexOf(logLfn);
  const col = (key: string) => parallel(raw, key, n, 'outFiles', out);
  const [dataset, token, ddm] = ['realDatasets', 'destinationDBlockToken', 'ddmEndPointOut'].map(col);
  const scopes = parallel(raw, 'scopeOut', n, 'outFiles', out, logIndex >= 0 ? [n, n - 1] : [n]);
  const scopeLog = nameField('scope', raw, 'scopeLog', out);
  const logGuid = nameField('guid', raw, 'logGUID', out);
  const scopeAt = (j: number): string | undefined => nameAt('scope', scopes, j, 'scopeOut', out);
  const shortScopes = scopes !== undefined && scopes.length === n - 1;
  const outputs: FileSpec[] = [];
  const seen = new Set<string>();
  let log: FileSpec | undefined;
  let k = 0; // index into a scopeOut that leaves out the log
  lfns.forEach((lfn, i) => {
    if (i === logIndex) {
      const datasetName = nameAt('dataset', dataset, i, 'realDatasets', out);
      log = spec({ lfn, guid: logGuid, scope: scopeLog ?? (shortScopes ? undefined : scopeAt(i)), dataset: datasetName, storageToken: token?.[i], ddmEndpoint: ddm?.[i] });
      return;
    }
    const scope = shortScopes ? scopeAt(k++) : scopeAt(i);
    if (lfn === undefined || seen.has(lfn)) return;
    seen.add(lfn);
    outputs.push(spec({
      lfn: nameAt('lfn', lfns, i, 'outFiles', out), scope, dataset: nameAt('dataset', dataset, i, 'realDatasets', out),
      storageToken: token?.[i], ddmEndpoint: ddm?.[i],
    }));
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
    const before = out.issues.length;
    const name = key.replace(/^inputFor_/, '');
    checkServerName('lfn', name, `job.writeToFile[${i}]`, out.issues);
    inputs.forEach((lfn, j) => checkServerName('lfn', lfn, `job.writeToFile[${i}][${j}]`, out.issues));
    if (out.issues.length === before) lists.push(Object.freeze({ name, inputs: Object.freeze(inputs) }));
  });
  return lists;
}
