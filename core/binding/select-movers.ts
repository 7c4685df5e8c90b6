/**
 * Which movers and which storage an activity uses, from queuedata. pilot3 semantics for
 * `acopytools`; pilot1 semantics for the legacy `copytool` / `copytoolin` / `objectstore`.
 */
import type { QueueData } from '../config/queuedata.js';
import type { Activity } from '../contracts/site-mover.js';

/** Activities that read from storage; every other activity writes. */
export const STAGE_IN_ACTIVITIES: ReadonlySet<Activity> = new Set(['pr', 'es_events_read']);
const OBJECTSTORE_ACTIVITIES: ReadonlySet<Activity> = new Set(['es_events', 'es_events_read', 'es_failover', 'pls']);

/** The name of the copytool that dispatches by URL scheme to an object-store mover. */
export const OBJECTSTORE_COPYTOOL = 'objectstore';

/**
 * Ordered copytool names for an activity.
 * - acopytools era: the activity's list, else `default`'s; ES activities fall back to `objectstore`
 *   (pilot3 StageOutESClient).
 * - legacy: `copytoolin` (else `copytool`) to read, `copytool` to write; ES and log-to-OS
 *   activities use `objectstore` (pilot1 transferToObjectStore).
 */
export function moverNamesFor(queue: QueueData, activity: Activity): string[] {
  const a = queue.acopytools;
  const listed = a[activity];
  if (listed?.length) return dedupe(listed);
  if (OBJECTSTORE_ACTIVITIES.has(activity)) return [OBJECTSTORE_COPYTOOL];
  if (Object.keys(a).length) return dedupe(a.default ?? []);
  const legacy = STAGE_IN_ACTIVITIES.has(activity) ? (queue.copytoolIn ?? queue.copytool) : queue.copytool;
  return legacy ? [legacy.name] : [];
}

/**
 * Base URL of the storage an activity writes to or reads from: the first `astorages` entry
 * (its read protocol for stage-in activities),
 * else the legacy `objectstore` string's `eventservice` (ES outputs) or `logs` (logs) path.
 */
export function destinationFor(queue: QueueData, activity: Activity): string | undefined {
  const names = queue.astorages[activity];
  if (names?.length) {
    const s = queue.storages[names[0]!];
    // A CRIC endpoint may read through other protocols (read_lan) than it writes (write_lan).
    return STAGE_IN_ACTIVITIES.has(activity) ? (s?.readUrl ?? s?.url) : s?.url;
  }
  if (activity === 'es_events' || activity === 'es_events_read') return queue.objectstore?.eventservice;
  if (activity === 'pls') return queue.objectstore?.logs;
  return undefined;
}

/** The endpoint id (CRIC `id`) of the storage `destinationFor` picks; the legacy objectstore string has none. */
export function storageIdFor(queue: QueueData, activity: Activity): number | undefined {
  const names = queue.astorages[activity];
  return names?.length ? queue.storages[names[0]!]?.id : undefined;
}

/**
 * Whether a job's files written for `activity` take Rucio's deterministic path: its endpoint
 * is CRIC `is_deterministic` and the activity writes to a storage element (pw, pl), as pilot3's
 * resolve_surl does for them; object-store activities (es_events, pls) keep their own names.
 */
export function deterministicFor(queue: QueueData, activity: Activity): boolean {
  if (activity !== 'pw' && activity !== 'pl') return false;
  const names = queue.astorages[activity];
  return Boolean(names?.length && queue.storages[names[0]!]?.deterministic);
}

/** The URL scheme without the colon: `s3`, `root`, `file`. */
export function schemeOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  return m ? m[1]!.toLowerCase() : '';
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}
