/**
 * A storage endpoint as CRIC's ddmendpoints data describes it (pilot3 `StorageData`):
 * `arprotocols` gives, per DDM activity (`read_lan`, `read_wan`, `write_lan`, `write_wan`, ...),
 * the ordered protocols `{endpoint, path, flavour, id}`; `rprotocols` holds every protocol by
 * id with its `settings` (the S3 key names of an object store). This file is the only one
 * that knows those names.
 */
import type { StorageEndpoint } from '../contracts/queue-data.js';
import { FieldReader } from './field-reader.js';

/** pilot3 data.py: stage-out tries `write_lan` then `write_wan`; stage-in `read_lan` then `read_wan`. */
const WRITE_ACTIVITIES = ['write_lan', 'write_wan'] as const;
const READ_ACTIVITIES = ['read_lan', 'read_wan'] as const;

/** Whether an endpoint entry is in CRIC's form (protocols) rather than espilot's (`endpoint`). */
export function isCricEndpoint(e: FieldReader): boolean {
  return !e.has('endpoint') && (e.has('arprotocols') || e.has('rprotocols'));
}

interface Protocol {
  readonly url: string;
  readonly id?: number;
}

/** One CRIC ddmendpoint entry → our endpoint; problems go to the reader's issues, naming the field. */
export function cricEndpoint(name: string, e: FieldReader): StorageEndpoint | undefined {
  const ar = e.object('arprotocols');
  const first = (activities: readonly string[]): Protocol | undefined => {
    for (const a of activities) {
      const p = protocolList(ar, a)[0];
      if (p) return p;
    }
    return undefined;
  };
  const write = first(WRITE_ACTIVITIES);
  const read = first(READ_ACTIVITIES);
  const chosen = write ?? read;
  if (!chosen) {
    e.fail('arprotocols', `protocols for ${[...WRITE_ACTIVITIES, ...READ_ACTIVITIES].join(' or ')} (each {endpoint, path})`);
    return undefined;
  }
  const settings = protocolSettings(e, chosen.id);
  const id = e.has('id') ? e.int('id', { min: 0 }, 0) : undefined;
  return {
    name,
    url: chosen.url,
    ...(read && read.url !== chosen.url ? { readUrl: read.url } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(e.has('is_deterministic') ? { deterministic: e.bool('is_deterministic', true) } : {}),
    ...(e.has('type') ? { type: e.string('type', '') } : {}),
    ...settings,
  };
}

/** `arprotocols.<activity>`: a list of `{endpoint, path, id}`; each becomes `<endpoint><path>`. */
function protocolList(ar: FieldReader, activity: string): Protocol[] {
  const list = ar.raw(activity);
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    ar.fail(activity, 'a list of protocols {endpoint, path}');
    return [];
  }
  const out: Protocol[] = [];
  list.forEach((item, i) => {
    const p = FieldReader.of(`${ar.at(activity)}[${i}]`, item, ar.issues);
    const endpoint = p.requiredString('endpoint', 'a protocol URL such as root://host:1094');
    if (!endpoint) return;
    // A POSIX protocol is `file://` with the whole path in `path`: the joined URL is what must be whole.
    const url = joinPath(endpoint, p.string('path', ''));
    if (!/^[a-z][a-z0-9+.-]*:\/\/./i.test(url)) {
      p.fail('endpoint', 'a URL with a scheme (with `path`)');
      return;
    }
    const id = p.has('id') ? p.int('id', { min: 0 }, 0) : undefined;
    out.push({ url, ...(id !== undefined ? { id } : {}) });
  });
  return out;
}

/** CRIC paths start with `/`: `root://h:1094` + `//eos/x/` → `root://h:1094//eos/x` (the trailing slash dropped, objects add their own). */
function joinPath(endpoint: string, path: string): string {
  return `${endpoint}${path}`.replace(/\/+$/, '');
}

/** The S3 key names of the chosen protocol (`rprotocols.<id>.settings`), as pilot3's get_special_setup reads them. */
function protocolSettings(e: FieldReader, id: number | undefined): Pick<StorageEndpoint, 'accessKeyName' | 'secretKeyName' | 'secure'> {
  if (id === undefined || !e.has('rprotocols')) return {};
  const rp = e.object('rprotocols');
  if (!rp.has(String(id))) return {};
  const s = rp.object(String(id)).object('settings');
  const accessKeyName = s.string('access_key');
  const secretKeyName = s.string('secret_key');
  return {
    ...(accessKeyName ? { accessKeyName } : {}),
    ...(secretKeyName ? { secretKeyName } : {}),
    ...(s.has('is_secure') ? { secure: s.bool('is_secure', false) } : {}),
  };
}
