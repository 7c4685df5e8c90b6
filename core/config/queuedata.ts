/**
 * Queuedata (schedconfig / CRIC) parsed into our own names. This is the only file that
 * knows schedconfig field names; the rest of the pilot reads `QueueData`.
 */
import { ACTIVITIES, type Activity } from '../contracts/site-mover.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { FieldReader, deepFreeze } from './field-reader.js';
import { parseObjectstoreString } from './objectstore-string.js';
import { cricEndpoint, isCricEndpoint } from './storage-data.js';
import type { CopytoolRef, GlexecMode, QueueData, StorageEndpoint } from '../contracts/queue-data.js';

export type { CopytoolRef, GlexecMode, QueueData, StorageEndpoint } from '../contracts/queue-data.js';


const COPYTOOL_NAME = /^[A-Za-z][A-Za-z0-9_.+-]*$/;

/**
 * Parses raw queuedata (already merged from its layers).
 * @throws ConfigError QUEUEDATANOTOK (1117) listing every bad field.
 */
export function parseQueueData(raw: unknown, root = 'queuedata'): QueueData {
  const issues: ConfigIssue[] = [];
  const q = queueDataFrom(raw, root, issues);
  if (issues.length) throw new ConfigError(issues, ErrorCodes.QUEUEDATANOTOK, 'invalid queuedata');
  return q;
}

/** Like parseQueueData but returns issues instead of throwing (for `espilot check`). */
export function queueDataFrom(raw: unknown, root: string, issues: ConfigIssue[]): QueueData {
  const r = FieldReader.of(root, raw, issues);
  const name = r.string('nickname') ?? r.string('name') ?? r.string('panda_queue') ?? 'local';
  const site = r.string('siteid') ?? r.string('site') ?? r.string('atlas_site') ?? name;

  const copytool = copytoolRef(r, 'copytool');
  const copytoolIn = copytoolRef(r, 'copytoolin');
  const copytools = copytoolNames(r);
  const named = activityMap(r, 'acopytools', (n, path) => {
    if (!COPYTOOL_NAME.test(n)) issues.push({ path, expected: 'a copytool name', got: JSON.stringify(n) });
  });
  // pilot3 set_acopytools: without acopytools, every declared copytool serves every activity.
  const acopytools = Object.keys(named).length || !copytools.length ? named : { default: [...copytools] };
  const storages = storageEndpoints(r.object('ddmendpoints'));
  const astorages = activityMap(r, 'astorages', (n, path) => {
    // The gap is the endpoint, not astorages: say which one the storage data lacks.
    // An endpoint that is there but did not parse has its own issues.
    if (!storages[n] && !r.object('ddmendpoints').has(n)) {
      const known = Object.keys(storages);
      issues.push({
        path: r.at(`ddmendpoints.${n}`),
        expected: `the storage endpoint ${path.replace(`${root}.`, '')} names, in the storage data (ddmendpoints, or --storagedata-url)`,
        got: known.length ? `no such endpoint (the storage data has ${known.join(', ')})` : 'no storage data',
      });
    }
  });
  const osText = r.string('objectstore');
  const objectstore = osText ? parseObjectstoreString(osText, r.at('objectstore'), issues) : undefined;
  const accessKeyName = r.string('os_access_key');
  const secretKeyName = r.string('os_secret_key');
  if ((accessKeyName === undefined) !== (secretKeyName === undefined)) {
    r.fail(accessKeyName === undefined ? 'os_access_key' : 'os_secret_key', 'both os_access_key and os_secret_key, or neither');
  }
  const catchall = parseCatchall(r.string('catchall', ''));
  const hpc = Object.keys(catchall).find((k) => /^HPC_/.test(k))?.slice(4) ?? (catchall['hpc'] !== undefined ? catchall['hpc'] || 'generic' : undefined);

  const q: QueueData = {
    name,
    site,
    ...(copytool ? { copytool } : {}),
    ...(copytoolIn ? { copytoolIn } : {}),
    acopytools,
    astorages,
    storages,
    ...(objectstore ? { objectstore } : {}),
    ...(accessKeyName && secretKeyName ? { objectstoreKeys: { accessKeyName, secretKeyName, secure: r.bool('os_is_secure', false) } } : {}),
    glexec: glexecMode(r),
    stageInRetry: r.int('stageinretry', { min: 1, max: 9 }, 2),
    stageOutRetry: r.int('stageoutretry', { min: 1, max: 9 }, 2),
    catchall,
    // CRIC's 0 is "not set" (pilot3 QueueData.maxwdir default).
    ...(r.has('maxwdir') && r.int('maxwdir', { min: 0 }, 0) > 0 ? { maxWorkdirMB: r.int('maxwdir', { min: 0 }, 0) } : {}),
    coreCount: r.int('corecount', { min: 1, max: 4096 }, 1),
    ...positiveMB(r, 'maxrss', 'maxRssMB'),
    ...positiveMB(r, 'maxvmem', 'maxVmemMB'),
    directAccessLan: r.bool('direct_access_lan', false),
    directAccessWan: r.bool('direct_access_wan', false),
    ...(hpc ? { hpc } : {}),
    containerType: containerTypes(r, 'container_type'),
    containerOptions: containerOptions(r.string('container_options', '')),
    // pilot3 clean__timefloor: CRIC gives minutes.
    timefloorS: r.int('timefloor', { min: 0 }, 0) * 60,
    copytools,
  };
  return deepFreeze(q);
}

/** CRIC sends `glexec` as a JSON boolean, schedconfig as a string. */
function glexecMode(r: FieldReader): GlexecMode {
  const v = r.raw('glexec');
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return r.oneOf('glexec', ['true', 'false', 'test'] as const, 'false');
}

/** CRIC `copytools`: `{ "<name>": { "setup": "..." } }`; the setups stay unread (explain shows them so). */
function copytoolNames(r: FieldReader): string[] {
  if (!r.has('copytools')) return [];
  const m = r.object('copytools');
  return m.keys().filter((n) => {
    m.object(n); // opened, not read: its `setup` shows as unused
    return COPYTOOL_NAME.test(n) || (m.fail(n, 'a copytool name as the key') ?? false);
  });
}

/** A memory size in MB; 0 (CRIC's "not set") leaves the field out. */
function positiveMB(r: FieldReader, key: string, name: 'maxRssMB' | 'maxVmemMB'): Partial<Record<typeof name, number>> {
  if (!r.has(key)) return {};
  const mb = r.int(key, { min: 0 }, 0);
  return mb > 0 ? { [name]: mb } : {};
}

/** pilot3 `clean__container_type`: `name:user` pairs separated by `;`; other entries name the field. */
function containerTypes(r: FieldReader, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = r.string(key, '');
  for (const entry of text.split(';').map((e) => e.trim()).filter(Boolean)) {
    const parts = entry.split(':').map((p) => p.trim());
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      r.fail(key, `entries "<container>:<user>" separated by ";" (e.g. "apptainer:pilot"), not ${JSON.stringify(entry)}`);
      continue;
    }
    out[parts[1]] = parts[0];
  }
  return out;
}

/** pilot3 `clean__container_options`: `none` means unset. */
function containerOptions(text: string): string {
  const t = text.trim();
  return t.toLowerCase() === 'none' ? '' : t;
}

function copytoolRef(r: FieldReader, key: string): CopytoolRef | undefined {
  const text = r.string(key);
  if (!text) return undefined;
  const name = text.split('^')[0]!.trim();
  if (!COPYTOOL_NAME.test(name)) return r.fail(key, 'a copytool name, optionally followed by ^<setup>');
  return { name };
}

function activityMap(r: FieldReader, key: string, check: (name: string, path: string) => void): Partial<Record<Activity, string[]>> {
  const out: Partial<Record<Activity, string[]>> = {};
  if (!r.has(key)) return out;
  const m = r.object(key);
  for (const activity of m.keys()) {
    if (!(ACTIVITIES as readonly string[]).includes(activity)) {
      m.fail(activity, `an activity key (${ACTIVITIES.join(', ')})`);
      continue;
    }
    const list = m.stringList(activity);
    if (!list) continue;
    list.forEach((n, i) => check(n, `${m.at(activity)}[${i}]`));
    out[activity as Activity] = list;
  }
  return out;
}

function storageEndpoints(r: FieldReader): Record<string, StorageEndpoint> {
  const out: Record<string, StorageEndpoint> = {};
  for (const name of r.keys()) {
    const e = r.object(name);
    if (isCricEndpoint(e)) {
      const c = cricEndpoint(name, e);
      if (c) out[name] = c;
      continue;
    }
    const url = e.requiredString('endpoint', 'a storage URL such as s3://host:port/bucket');
    if (url && !/^[a-z][a-z0-9+.-]*:\/\/./i.test(url)) e.fail('endpoint', 'a URL with a scheme');
    const accessKeyName = e.string('access_key');
    const secretKeyName = e.string('secret_key');
    out[name] = {
      name,
      url: url + (e.string('path', '') ?? ''),
      ...(e.has('id') ? { id: e.int('id', { min: 0 }, 0) } : {}),
      ...(accessKeyName ? { accessKeyName } : {}),
      ...(secretKeyName ? { secretKeyName } : {}),
      ...(e.has('is_secure') ? { secure: e.bool('is_secure', false) } : {}),
    };
  }
  return out;
}

/** `catchall` is a space-separated token list; `key=value` tokens carry a value. */
export function parseCatchall(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of text.split(/\s+/).filter(Boolean)) {
    const eq = token.indexOf('=');
    if (eq > 0) out[token.slice(0, eq)] = token.slice(eq + 1);
    else out[token] = '';
  }
  return out;
}

/** Where a site built by `siteQueuedata` keeps its data. */
export interface SiteStorageLayout {
  /** The queue's nickname (also the PanDA siteName). */
  readonly name: string;
  readonly site?: string;
  /** Storage element base URL: inputs (pr), outputs (pw), logs (pl). Endpoint `SE`. */
  readonly storageUrl: string;
  /** Object store base URL for ES outputs, written (es_events) and read back by merge jobs (es_events_read). Endpoint `OS_ES`. */
  readonly esObjectstoreUrl: string;
  /** Object store base URL for log copies (pls). Endpoint `OS_LOGS`. */
  readonly logsObjectstoreUrl?: string;
  /** Copytool of the storage element activities (default `local`); the object store uses `objectstore` (by URL scheme). */
  readonly copytool?: string;
  readonly coreCount: number;
  /** stageinretry / stageoutretry (default 2). */
  readonly retries?: number;
}

/**
 * A queuedata document (schedconfig names, CRIC `acopytools`/`astorages` era) for a site
 * whose storage is described by `layout`; the demo and local runs use it.
 */
export function siteQueuedata(layout: SiteStorageLayout): Record<string, unknown> {
  const tool = layout.copytool ?? 'local';
  const logs = layout.logsObjectstoreUrl;
  return {
    nickname: layout.name,
    siteid: layout.site ?? layout.name,
    acopytools: { pr: [tool], pw: [tool], pl: [tool], es_events: ['objectstore'], es_events_read: ['objectstore'], ...(logs ? { pls: ['objectstore'] } : {}) },
    astorages: { pr: ['SE'], pw: ['SE'], pl: ['SE'], es_events: ['OS_ES'], es_events_read: ['OS_ES'], ...(logs ? { pls: ['OS_LOGS'] } : {}) },
    // Ids as CRIC gives them (range updates report the ES store's as objstoreID).
    ddmendpoints: { SE: { endpoint: layout.storageUrl, id: 1 }, OS_ES: { endpoint: layout.esObjectstoreUrl, id: 2 }, ...(logs ? { OS_LOGS: { endpoint: logs, id: 3 } } : {}) },
    corecount: layout.coreCount,
    stageinretry: layout.retries ?? 2,
    stageoutretry: layout.retries ?? 2,
  };
}
