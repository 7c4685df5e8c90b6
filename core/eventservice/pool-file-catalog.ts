/**
 * The job's input catalogue: `PoolFileCatalog.xml` (GUID → PFN) and the `PFN` on every range
 * sent to the payload, both from what stage-in produced. pilot3 writes the catalogue after
 * stage-in (control/data.py get_input_file_dictionary, user/atlas/metadata.py
 * create_input_file_metadata): the LFN for a staged copy (the payload runs in the job
 * directory), the TURL for a file read remotely.
 */
import { join } from 'node:path';
import type { EventRange } from '../contracts/event-range.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import { writeFileAtomic } from '../state/state-file.js';

export const POOL_FILE_CATALOG = 'PoolFileCatalog.xml';

/** How the payload reaches one input: a local copy (absolute path) or a TURL it reads directly. */
export interface InputAccess {
  readonly lfn: string;
  readonly guid?: string;
  /** Absolute path of the staged copy, or the TURL. */
  readonly pfn: string;
  readonly direct: boolean;
}

/** The catalogue's text, in pilot3's layout. Inputs without a GUID are left out (the catalogue is keyed by GUID). */
export function poolFileCatalogXml(inputs: readonly InputAccess[]): string {
  let xml = '<?xml version="1.0" ?>\n<!DOCTYPE POOLFILECATALOG SYSTEM "InMemory">\n<POOLFILECATALOG>\n';
  for (const f of inputs) {
    if (!f.guid) continue;
    xml += `  <File ID="${escapeXml(f.guid)}">\n    <physical>\n      <pfn filetype="ROOT_All" name="${escapeXml(f.direct ? f.pfn : f.lfn)}"/>\n    </physical>\n    <logical/>\n  </File>\n`;
  }
  return `${xml}</POOLFILECATALOG>\n`;
}

/** Writes `PoolFileCatalog.xml` into the job directory. @returns its path. */
export async function writePoolFileCatalog(workdir: string, inputs: readonly InputAccess[]): Promise<string> {
  const path = join(workdir, POOL_FILE_CATALOG);
  // Readable by a payload running under another identity (glexec), like the job's inputs.
  await writeFileAtomic(path, poolFileCatalogXml(inputs), 0o644);
  return path;
}

/** Each input's access, from stage-in's local paths and TURLs; `direct` names the LFNs read in place. */
export function inputAccessOf(job: JobDefinition, pfns: ReadonlyMap<string, string>, direct: ReadonlySet<string>): InputAccess[] {
  return job.inputFiles.flatMap((f) => {
    const pfn = pfns.get(f.lfn);
    return pfn ? [{ lfn: f.lfn, ...(f.guid ? { guid: f.guid } : {}), pfn, direct: direct.has(f.lfn) }] : [];
  });
}

/**
 * The range as the payload gets it: with the `PFN` of its input (the staged copy or TURL of
 * its LFN) unless the server sent one. A range whose LFN is not among the job's inputs is left
 * as the server sent it.
 */
export function withPfn(range: EventRange, pfnByLfn: ReadonlyMap<string, string>): EventRange {
  if (range.pfn) return range;
  const pfn = pfnByLfn.get(range.lfn);
  if (!pfn) return range;
  return Object.freeze({ ...range, pfn, wire: Object.freeze({ ...range.wire, PFN: pfn }) });
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
