/**
 * Fetches one CRIC document (a PanDA queue's JSON, the ddmendpoints JSON) from a URL or a
 * file, with a deadline per attempt and bounded retries with backoff, and keeps the last good
 * copy in a cache file for when CRIC is down (pilot3 dataloader `load_url_data`: download,
 * else the old cache). Only a copy that parsed as a JSON object is ever cached.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import fetch from 'node-fetch';
import { ConfigError, describeValue } from '../errors/config-error.js';
import type { Logger } from '../logging/logger.js';
import { isPlainObject } from './field-reader.js';

export interface CricFetchPolicy {
  /** Deadline of one attempt (connect + body). */
  readonly timeoutMs: number;
  /** Attempts in all (≥ 1). */
  readonly attempts: number;
  /** Wait before the second attempt; doubled each time up to `backoffMaxMs`. */
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
}

/** pilot3 tries CRIC 3 times; its 15–45 s sleeps are shortened: a pilot waiting for its queue does nothing else. */
export const CRIC_FETCH_DEFAULTS: CricFetchPolicy = Object.freeze({ timeoutMs: 30_000, attempts: 3, backoffMs: 2_000, backoffMaxMs: 15_000 });

export interface CricSource {
  /** `--queuedata-url` / `--storagedata-url`: an http(s) URL (`{pandaqueue}` is replaced) or a file path (`file://` too). */
  readonly location: string;
  /** What the flag is called, for errors. */
  readonly flag: string;
  /** The queue name for `{pandaqueue}`. */
  readonly pandaqueue?: string;
  /** Where the last good copy is kept. */
  readonly cacheFile: string;
  readonly policy?: Partial<CricFetchPolicy>;
  readonly logger: Logger;
}

export interface CricDocument {
  readonly doc: Record<string, unknown>;
  /** Where it came from: the URL, the file, or `cache:<file>`. */
  readonly source: string;
}

/** Whether a location names a file rather than an http(s) URL. */
export function isFileLocation(location: string): boolean {
  return !/^https?:\/\//i.test(location);
}

/**
 * @throws ConfigError naming the flag: nothing could be fetched and there is no cache, or
 *   the fetched document is not a JSON object (then the cache is not used: CRIC answered, wrongly).
 */
export async function loadCricDocument(s: CricSource): Promise<CricDocument> {
  const url = s.location.replaceAll('{pandaqueue}', s.pandaqueue ?? '');
  if (isFileLocation(url)) {
    const path = url.replace(/^file:\/\//i, '');
    if (!existsSync(path)) throw new ConfigError([{ path: s.flag, expected: 'an http(s) URL or an existing JSON file', got: JSON.stringify(url) }]);
    return { doc: parseObject(await readFile(path, 'utf8'), s.flag, path), source: path };
  }
  const policy = { ...CRIC_FETCH_DEFAULTS, ...s.policy };
  const log = s.logger.child('cric');
  let lastError = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const fetched = await fetchOnce(url, policy.timeoutMs);
    if (fetched.ok) {
      const doc = parseObject(fetched.body, s.flag, url);
      await writeCache(s.cacheFile, fetched.body).catch((err: Error) => log.warn(`could not keep a copy of ${url} in ${s.cacheFile}: ${err.message}`));
      log.info(`loaded ${url} (${(fetched.body.length / 1024).toFixed(1)} kB)`);
      return { doc, source: url };
    }
    lastError = fetched.error;
    if (!fetched.retry) break;
    if (attempt < policy.attempts) {
      const wait = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** (attempt - 1));
      log.warn(`attempt ${attempt}/${policy.attempts} to load ${url} failed (${lastError}); trying again in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  if (existsSync(s.cacheFile)) {
    const ageS = Math.round((Date.now() - (await stat(s.cacheFile)).mtimeMs) / 1000);
    log.warn(`could not load ${url} (${lastError}); using the copy kept in ${s.cacheFile}, ${formatAge(ageS)} old`);
    return { doc: parseObject(await readFile(s.cacheFile, 'utf8'), s.flag, s.cacheFile), source: `cache:${s.cacheFile}` };
  }
  throw new ConfigError([{ path: s.flag, expected: `a reachable ${url} (or a copy kept in ${s.cacheFile})`, got: lastError }], undefined, `cannot load ${s.flag}`);
}

type Fetched = { ok: true; body: string } | { ok: false; error: string; retry: boolean };

async function fetchOnce(url: string, timeoutMs: number): Promise<Fetched> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    const body = await res.text();
    if (res.ok) return { ok: true, body };
    // 5xx and 429 may pass; any other answer (404: no such queue) is CRIC's last word.
    return { ok: false, error: `HTTP ${res.status} ${res.statusText}`.trim(), retry: res.status >= 500 || res.status === 429 };
  } catch (err) {
    const e = err as Error;
    const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : e.message;
    return { ok: false, error: why, retry: true };
  }
}

function parseObject(text: string, flag: string, where: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ path: flag, expected: 'valid JSON', got: `${where}: ${(err as Error).message}` }]);
  }
  if (!isPlainObject(doc)) throw new ConfigError([{ path: flag, expected: 'a JSON object', got: `${describeValue(doc)} from ${where}` }]);
  // pilot3 jsonparser: CRIC reports its own errors as {"error": ...}.
  if ('error' in doc && Object.keys(doc).length <= 2) throw new ConfigError([{ path: flag, expected: 'CRIC data', got: `an error from ${where}: ${JSON.stringify(doc['error'])}` }]);
  return doc;
}

/** tmp + rename: a pilot killed while writing leaves the previous copy. */
async function writeCache(file: string, body: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, body, { mode: 0o600 });
  await rename(tmp, file);
}

function formatAge(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
