/**
 * What a normal job stored, as its outcome lists it for the final updateJob's `xml`, and the
 * payload's job report for `metaData` (pilot3 reads `jobReport.json` from the work directory).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileSpec, JobDefinition } from '../contracts/job-definition.js';
import type { StoredOutput } from '../contracts/run-job.js';
import type { StoredFile } from './job-transfers.js';

/** The payload's job report, as pilot3 names it (`config.Payload.jobreport`). */
export const PAYLOAD_JOB_REPORT = 'jobReport.json';
/** A larger report is not sent (the outcome is kept in the job's state file). */
export const MAX_METADATA_BYTES = 1024 * 1024;

/** The stored files with the job's facts about them (guid, dataset, DDM endpoint). */
export function storedOutputs(job: JobDefinition, kind: StoredOutput['kind'], specs: readonly FileSpec[], stored: readonly StoredFile[]): StoredOutput[] {
  const byLfn = new Map(specs.map((f) => [f.lfn, f]));
  return stored.map((s) => {
    const spec = byLfn.get(s.lfn);
    return Object.freeze({
      lfn: s.lfn, kind, guid: spec?.guid ?? derivedGuid(job.pandaId, s.lfn), size: s.size, checksum: s.checksum, surl: s.url,
      ...(spec?.dataset ? { dataset: spec.dataset } : {}), ...(spec?.ddmEndpoint ? { ddmEndpoint: spec.ddmEndpoint } : {}),
    });
  });
}

/**
 * A GUID for an output the job definition gives none for: derived from the job and the name,
 * so a recovering pilot reports the same one.
 */
export function derivedGuid(pandaId: string, lfn: string): string {
  const h = createHash('sha1').update(`${pandaId}/${lfn}`).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The job report text when the payload wrote one of at most MAX_METADATA_BYTES, else undefined. */
export async function readPayloadJobReport(workdir: string, warn: (m: string) => void): Promise<string | undefined> {
  const path = join(workdir, PAYLOAD_JOB_REPORT);
  const size = await stat(path).then((s) => s.size, () => undefined);
  if (size === undefined) return undefined;
  if (size > MAX_METADATA_BYTES) {
    warn(`${PAYLOAD_JOB_REPORT} is ${size} bytes (more than ${MAX_METADATA_BYTES}): not sent as metaData`);
    return undefined;
  }
  return readFile(path, 'utf8');
}
