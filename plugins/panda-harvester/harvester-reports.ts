/**
 * What Harvester reads about the job (pilot3 `pilot/util/harvester.py`): the worker
 * attributes (the updateJob fields + `jobStatus`, without `xml`, `inputfiles`, `outputfiles`),
 * the stored log and outputs as dump entries, and the job report without the executors'
 * `logfileReport`.
 */
import { fileURLToPath } from 'node:url';
import { isPlainObject, type FormValue, type Logger, type StoredOutput } from '../../core/index.js';
import type { DumpEntry } from './event-status-dump.js';

const NOT_FOR_HARVESTER = new Set(['xml', 'inputfiles', 'outputfiles']);

/** `worker_attributes.json` from the updateJob form (pilot3 publish_harvester_reports + publish_work_report). */
export function workerAttributes(form: Readonly<Record<string, FormValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(form)) if (v !== undefined && !NOT_FOR_HARVESTER.has(k)) out[k] = v;
  out['jobStatus'] = form['state'];
  return out;
}

/**
 * A stored file as pilot3 declares it (publish_stageout_files): `type`, `path`, `guid`,
 * `fsize`, `chksum` (the bare adler32; md5 as `md:<hex>`, the prefix Harvester reads).
 * `path` is where espilot stored it: a local path for file://, else the URL.
 */
export function storedFileEntry(f: StoredOutput): DumpEntry {
  const [type, value] = f.checksum.includes(':') ? [f.checksum.slice(0, f.checksum.indexOf(':')), f.checksum.slice(f.checksum.indexOf(':') + 1)] : ['ad', f.checksum];
  return {
    type: f.kind,
    path: f.surl.startsWith('file:') ? fileURLToPath(f.surl) : f.surl,
    guid: f.guid,
    fsize: f.size,
    chksum: type === 'md5' ? `md:${value}` : value,
  };
}

/** The job report for `jobReport.json`, or undefined when the metaData is not a JSON object. */
export function jobReportForHarvester(metaData: string, log: Logger): Record<string, unknown> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(metaData);
  } catch {
    log.debug('the job\'s metaData is not JSON: no jobReport.json for Harvester');
    return undefined;
  }
  if (!isPlainObject(doc)) return undefined;
  const executors = doc['executor'];
  if (!Array.isArray(executors)) return doc;
  return { ...doc, executor: executors.map((e: unknown) => (isPlainObject(e) && 'logfileReport' in e ? { ...e, logfileReport: {} } : e)) };
}
