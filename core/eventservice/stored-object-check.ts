/**
 * Whether what a journal says was stored for a range is still there: before a recovering
 * pilot reports a range finished from its journal, each object's URL must be the one this
 * job's ES destination gives its name (a forged journal cannot point the pilot at another
 * storage or another range's object), and the storage must hold it with the recorded size
 * and checksum. The storage is asked through the destination's movers (`stat`) and, when
 * the mover knows no checksum of the recorded type, its checksum store (`lookup`).
 *
 * What is compared is what the storage reports: S3 metadata, the xrootd server's checksum,
 * the catalog beside a `file://` object. A change that keeps the size and leaves that record
 * alone is not seen without reading the object back.
 */
import type { BoundDestination, EsDestinations } from '../contracts/job-binding.js';
import type { RemoteObject } from '../contracts/site-mover.js';
import { PilotError } from '../errors/pilot-error.js';
import { checksumsEqual, formatChecksum, parseChecksum } from '../staging/checksum.js';
import type { StoredObject } from './journal-records.js';

export interface StoredCheckOptions {
  readonly destinations: EsDestinations;
  /** The object names this job gives a range's outputs (`Experiment.esOutputName` of each output LFN). */
  readonly objectNames: (rangeId: string) => ReadonlySet<string>;
  readonly signal?: AbortSignal;
}

/**
 * @returns undefined when every object checks out, else why not (for the range's errorDiag).
 * @throws PilotError (recoverable) when a storage could not be asked for a reason that may
 *   pass (timeout, connection): the caller should try the whole recovery again later.
 */
export async function checkStoredObjects(rangeId: string, objects: readonly StoredObject[], opts: StoredCheckOptions): Promise<string | undefined> {
  if (objects.length === 0) return `range ${rangeId} has no stored objects`;
  const names = opts.objectNames(rangeId);
  for (const o of objects) {
    let why: string | undefined;
    try {
      why = await checkOne(rangeId, o, names, opts);
    } catch (err) {
      // Anything but a PilotError the storage marked transient is a final "cannot check".
      if (err instanceof PilotError && err.recoverable) throw err;
      const e = err instanceof PilotError ? err : undefined;
      return `stored object ${o.url} cannot be checked: ${e ? `${e.codeName} ${e.diagnostic}` : (err as Error).message}`;
    }
    if (why) return why;
  }
  return undefined;
}

async function checkOne(rangeId: string, o: StoredObject, names: ReadonlySet<string>, opts: StoredCheckOptions): Promise<string | undefined> {
  if (!names.has(o.objectName)) return `object name ${o.objectName} is not one this job gives outputs of range ${rangeId}`;
  const dest = destinationOf(o, opts.destinations);
  if (!dest) return `stored URL ${o.url} is not ${o.objectName} under the job's ES destination; not trusted`;
  const recorded = parseChecksum(o.checksum);
  if (!recorded) return `the journal records no checksum for ${o.url}`;
  const found = await statObject(dest, o, opts.signal);
  if (!found) return `stored object ${o.url} is missing`;
  if (found.size !== o.size) return `stored object ${o.url} has ${found.size} bytes, the journal recorded ${o.size}`;
  let known = found.checksums.find((c) => c.type === recorded.type);
  if (!known && dest.checksumStore) {
    const rec = await dest.checksumStore.lookup(o.url);
    if (rec?.size !== undefined && rec.size !== o.size) return `the checksum store records ${rec.size} bytes for ${o.url}, the journal ${o.size}`;
    known = rec?.checksums.find((c) => c.type === recorded.type);
  }
  if (!known) return `no ${recorded.type} checksum is known for ${o.url}; it cannot be verified`;
  if (!checksumsEqual(known, recorded)) return `stored object ${o.url} has checksum ${formatChecksum(known)}, the journal recorded ${o.checksum}`;
  return undefined;
}

/** The destination whose URL for this object name is exactly the recorded one (what the stage-out built). */
function destinationOf(o: StoredObject, d: EsDestinations): BoundDestination | undefined {
  for (const dest of d.failover ? [d.primary, d.failover] : [d.primary]) {
    let url: string;
    try {
      url = dest.url(o.zip?.lfn ?? o.objectName); // a zipped output lives in its zip's object
    } catch {
      continue;
    }
    if (url === o.url) return dest;
  }
  return undefined;
}

/**
 * Asks the movers in order, the one that stored the object first; the first answer counts.
 * @throws the last mover's error when none answered.
 */
async function statObject(dest: BoundDestination, o: StoredObject, signal?: AbortSignal): Promise<RemoteObject | undefined> {
  const movers = [...dest.candidates].sort((a, b) => Number(b.name === o.mover) - Number(a.name === o.mover));
  let last: unknown;
  for (const c of movers) {
    try {
      return await c.mover.stat(o.url, signal);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
