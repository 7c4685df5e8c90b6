/**
 * How the pilot touches Harvester's shared files. Harvester reads a file as soon as it
 * exists, so everything it reads is written whole under a temp name and renamed into place
 * (tmp + fsync + rename + folder fsync). Harvester's own writes are not atomic (`open(…, "w")`
 * then `json.dump`), so a file of Harvester's is read only once Harvester has signalled it is
 * complete (see the callers), and a file that still does not parse is a clear error.
 */
import { readFile, stat } from 'node:fs/promises';
import { ConfigError, ErrorCodes, PilotError, describeValue, sleep, writeFileAtomic } from '../../core/index.js';

/** Files Harvester reads may be read by its own account (same group on the shared file system). */
const HARVESTER_FILE_MODE = 0o644;

export async function writeHarvesterJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value), HARVESTER_FILE_MODE);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The text of a file, or undefined when it does not exist (any other error is thrown). */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Parses a JSON file of Harvester's. @throws ConfigError CONVERSIONFAILURE naming the file
 * and what was found, for text that is not JSON.
 */
export function parseHarvesterJson(text: string, path: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ path, expected, got: `text that is not JSON (${(err as Error).message}): ${describeValue(text)}` }], ErrorCodes.CONVERSIONFAILURE, 'unreadable Harvester file');
  }
}

export interface WaitOptions {
  readonly deadlineMs: number;
  readonly pollMs: number;
  /** What is awaited, for the error: `the job file /x/pandaJobData.out`. */
  readonly what: string;
  readonly signal?: AbortSignal;
}

/**
 * Polls `look` until it returns a value. A shared file system gives no change notification
 * that works across nodes, so this polls.
 * @throws PilotError COMMUNICATIONFAILURE (recoverable) when the deadline passes, naming what was awaited.
 */
export async function waitFor<T>(look: () => Promise<T | undefined>, o: WaitOptions): Promise<T> {
  const start = Date.now();
  for (;;) {
    const found = await look();
    if (found !== undefined) return found;
    const left = start + o.deadlineMs - Date.now();
    if (left <= 0) {
      throw new PilotError(ErrorCodes.COMMUNICATIONFAILURE, `Harvester did not provide ${o.what} within ${Math.round(o.deadlineMs / 100) / 10} s`, { recoverable: true });
    }
    await sleep(Math.min(o.pollMs, left), o.signal);
  }
}
