/**
 * A PanDA queue named on the command line (`-q NAME`), as CRIC describes it: its queue JSON
 * (`{ "<QUEUE>": {...} }`) and the storage endpoints its `astorages` name, from the ddmendpoints
 * JSON, folded into one queuedata layer. `--queue <file>` is the other form (queuedataLayer).
 */
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.js';
import type { Logger } from '../logging/logger.js';
import type { ConfigLayer } from './config-layers.js';
import { loadCricDocument, type CricFetchPolicy } from './cric-source.js';
import { isPlainObject } from './field-reader.js';

/** pilot3 default.cfg [Information] `queues_url` and `storages_url`. */
export const CRIC_QUEUE_URL = 'https://atlas-cric.cern.ch/cache/schedconfig/{pandaqueue}.json';
export const CRIC_STORAGE_URL = 'https://atlas-cric.cern.ch/cache/ddmendpoints.json';
/** pilot3's cache file names (`queuedata_cache`, `storages_cache`), in the pilot's work directory. */
export const QUEUE_CACHE_FILE = 'queuedata.json';
export const STORAGE_CACHE_FILE = 'cric_ddmendpoints.json';

export interface CricQueueOptions {
  readonly queue: string;
  /** Default: QUEUEDATA_SERVER_URL, else CRIC_QUEUE_URL. */
  readonly queuedataUrl?: string;
  /** Default: STORAGEDATA_SERVER_URL, else CRIC_STORAGE_URL; fetched only when astorages name an endpoint. */
  readonly storagedataUrl?: string;
  /** Where the last good copies are kept (the work directory). */
  readonly cacheDir: string;
  readonly policy?: Partial<CricFetchPolicy>;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A name rather than a file: `--queue` is a file when it exists, contains `/` or ends in `.json`;
 * anything else is a PanDA queue name.
 */
export function isQueueName(value: string, exists: (p: string) => boolean): boolean {
  return !exists(value) && !value.includes('/') && !/\.json$/i.test(value);
}

/**
 * The queue's layers: its CRIC queue JSON, then the endpoints it names from the storage data
 * (a layer of their own, so `config --explain` says where each came from).
 * @throws ConfigError when a document cannot be had (cric-source.ts) or does not describe the queue.
 */
export async function cricQueueLayers(o: CricQueueOptions): Promise<ConfigLayer[]> {
  const env = o.env ?? process.env;
  const queueUrl = o.queuedataUrl ?? env['QUEUEDATA_SERVER_URL'] ?? CRIC_QUEUE_URL;
  const q = await loadCricDocument({
    location: queueUrl, flag: '--queuedata-url', pandaqueue: o.queue, cacheFile: join(o.cacheDir, QUEUE_CACHE_FILE), logger: o.logger, ...(o.policy ? { policy: o.policy } : {}),
  });
  const queue = queueEntry(q.doc, o.queue, q.source);
  const storage = await storageDataLayer(queue, o);
  return [{ source: `cric:${q.source}`, queuedata: queue }, ...(storage ? [storage] : [])];
}

export type StorageDataOptions = Pick<CricQueueOptions, 'storagedataUrl' | 'cacheDir' | 'policy' | 'logger' | 'env'>;

/**
 * The endpoints the queue's `astorages` name (and its own `ddmendpoints` lack), from the
 * storage data; only those: CRIC's file has every endpoint of the experiment. Undefined when
 * the queue needs none.
 */
export async function storageDataLayer(queue: Record<string, unknown>, o: StorageDataOptions): Promise<ConfigLayer | undefined> {
  const env = o.env ?? process.env;
  const own = isPlainObject(queue['ddmendpoints']) ? queue['ddmendpoints'] : {};
  const wanted = endpointNames(queue).filter((n) => !(n in own));
  if (!wanted.length) return undefined;
  const s = await loadCricDocument({
    location: o.storagedataUrl ?? env['STORAGEDATA_SERVER_URL'] ?? CRIC_STORAGE_URL, flag: '--storagedata-url', cacheFile: join(o.cacheDir, STORAGE_CACHE_FILE),
    logger: o.logger, ...(o.policy ? { policy: o.policy } : {}),
  });
  const found = Object.fromEntries(wanted.filter((n) => n in s.doc).map((n) => [n, s.doc[n]]));
  return { source: `cric-storage:${s.source}`, queuedata: { ddmendpoints: found } };
}

/** `{ "<QUEUE>": {...} }` as CRIC serves it, or the queue object itself (its `nickname` the queue). */
function queueEntry(doc: Record<string, unknown>, name: string, where: string): Record<string, unknown> {
  const entry = doc[name];
  if (isPlainObject(entry)) return entry;
  if (doc['nickname'] === name || doc['name'] === name) return doc;
  const keys = Object.keys(doc);
  throw new ConfigError([{
    path: '--queue', expected: `the PanDA queue ${JSON.stringify(name)} in ${where} (CRIC's {"${name}": {...}})`,
    got: entry !== undefined ? `a ${typeof entry} under "${name}"` : `keys ${keys.slice(0, 5).map((k) => JSON.stringify(k)).join(', ')}${keys.length > 5 ? ', ...' : ''}`,
  }]);
}

/** Every endpoint the queue's `astorages` name. */
function endpointNames(queue: Record<string, unknown>): string[] {
  const a = queue['astorages'];
  if (!isPlainObject(a)) return [];
  const names = Object.values(a).flatMap((v) => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [])).filter((n): n is string => typeof n === 'string').map((n) => n.trim());
  return [...new Set(names.filter(Boolean))];
}
