/**
 * Stage-in of a job's inputs and stage-out of its outputs through the queue's movers, with a
 * ledger of what is durably stored so that a recovering pilot uploads each output once.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobDefinition, FileSpec } from '../contracts/job-definition.js';
import { SiteMover, type Activity } from '../contracts/site-mover.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';
import { destinationFor, moverNamesFor, objectUrl, schemeOf, OBJECTSTORE_COPYTOOL } from '../select/select-movers.js';
import { readJsonIfExists, writeJsonAtomic } from '../runtime/state-file.js';
import { formatChecksum, parseChecksum } from './checksum.js';
import { transferWithFallback, type MoverCandidate, type TransferOutcome } from './transfer-service.js';

export interface JobTransferContext {
  readonly resolver: PluginResolver;
  readonly jobDir: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
}

/** Movers of an activity that can handle `url`'s scheme, in configured order. */
export function moverCandidates(resolver: PluginResolver, activity: Activity, url: string, names?: readonly string[]): MoverCandidate[] {
  const { queue } = resolver.services.settings;
  const scheme = schemeOf(url);
  const out: MoverCandidate[] = [];
  for (const name of names ?? moverNamesFor(queue, activity)) {
    const registry = resolver.registry;
    if (registry.isSchemeAlias(SiteMover, name)) {
      out.push({ name: `${name}→${registry.find(SiteMover, name, scheme).descriptor.name}`, mover: resolver.get(SiteMover, name, scheme) });
      continue;
    }
    const entry = registry.find(SiteMover, name, undefined, `activity ${activity}`);
    if (entry.descriptor.schemes && !entry.descriptor.schemes.includes(scheme)) continue;
    out.push({ name: entry.descriptor.name, mover: resolver.instantiate(entry) });
  }
  if (out.length === 0) {
    throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `no copytool of activity ${activity} (${(names ?? moverNamesFor(queue, activity)).join(', ') || 'none'}) handles ${scheme}:// (${url})`, { recoverable: false });
  }
  return out;
}

/** Where an input of `job` is read from. Merge jobs read from the object store (pilot1: copytoolin=objectstore). */
export function inputLocation(resolver: PluginResolver, job: JobDefinition, file: FileSpec): { activity: Activity; url: string; movers?: string[] } {
  const { queue } = resolver.services.settings;
  if (job.eventServiceMerge) {
    const isLog = file.lfn.includes('.log.');
    const base = isLog ? destinationFor(queue, 'pls') : destinationFor(queue, 'es_events_read');
    if (!base) throw new PilotError(ErrorCodes.NOSTORAGE, `merge input ${file.lfn}: the queue has no object store ${isLog ? 'logs' : 'eventservice'} location`, { recoverable: false });
    const listed = queue.acopytools.es_events_read;
    return { activity: 'es_events_read', url: objectUrl(base, file.lfn), movers: listed?.length ? [...listed] : [OBJECTSTORE_COPYTOOL] };
  }
  const ddm = file.ddmEndpoint ? queue.storages[file.ddmEndpoint]?.url : undefined;
  const base = ddm ?? destinationFor(queue, 'pr');
  if (!base) throw new PilotError(ErrorCodes.NOSTORAGE, `input ${file.lfn}: no storage for activity pr (astorages.pr or ddmendpoints.${file.ddmEndpoint ?? '<endpoint>'})`, { recoverable: false });
  return { activity: 'pr', url: objectUrl(base, file.lfn) };
}

/**
 * Stages in every input, verified against the job's size and checksum (or the store's record).
 * @returns local paths by LFN.
 * @throws PilotError from the movers (first error code), NOSTORAGE when no location is known.
 */
export async function stageInJobInputs(ctx: JobTransferContext, job: JobDefinition): Promise<Map<string, string>> {
  const { queue, pilot } = ctx.resolver.services.settings;
  const paths = new Map<string, string>();
  const record: StagedInFile[] = [];
  try {
    for (const file of job.inputFiles) {
      const loc = inputLocation(ctx.resolver, job, file);
      const localPath = join(ctx.jobDir, file.lfn);
      const result = await transferWithFallback('in', moverCandidates(ctx.resolver, loc.activity, loc.url, loc.movers), {
        localPath, url: loc.url,
        ...(file.size !== undefined ? { size: file.size } : {}),
        ...(file.checksum ? { checksum: file.checksum } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      }, { attempts: queue.stageInRetry, ...pilot.transfers }, ctx.log);
      ctx.log.info(`staged in ${file.lfn} from ${loc.url} (${result.size} bytes, ${formatChecksum(result.checksum)}, ${result.mover})`);
      record.push({ activity: loc.activity, lfn: file.lfn, url: loc.url, size: result.size, checksum: formatChecksum(result.checksum), mover: result.mover });
      paths.set(file.lfn, localPath);
    }
  } finally {
    // Once per job, for its report; a lost record only makes the report shorter.
    if (record.length) await writeFile(join(ctx.jobDir, STAGEIN_RECORD), `${JSON.stringify(record, null, 2)}\n`).catch(() => undefined);
  }
  return paths;
}

/** What stage-in fetched (for the job report): written once when stage-in ends. */
export const STAGEIN_RECORD = 'stagein-record.json';

export interface StagedInFile extends StoredFile {
  readonly activity: Activity;
}

export async function readStageInRecord(jobDir: string): Promise<StagedInFile[]> {
  return (await readJsonIfExists<StagedInFile[]>(join(jobDir, STAGEIN_RECORD))) ?? [];
}

export interface StoredFile {
  readonly lfn: string;
  readonly url: string;
  readonly size: number;
  readonly checksum: string;
  readonly mover: string;
}

/** The ledger of outputs already stored, kept in the job directory. */
export const TRANSFER_LEDGER = 'stageout-ledger.json';

export async function readLedger(jobDir: string): Promise<Record<string, StoredFile>> {
  return (await readJsonIfExists<Record<string, StoredFile>>(join(jobDir, TRANSFER_LEDGER))) ?? {};
}

/**
 * Stages out files from the job directory to the storage of `activity`, skipping those the
 * ledger already holds, recording each success in the ledger before going on.
 * @throws PilotError MISSINGOUTPUTFILE (1165) for an output the payload did not produce;
 *   the movers' error after the queue's retries; NOSTORAGE when the activity has no storage.
 */
export async function stageOutJobFiles(ctx: JobTransferContext, files: readonly FileSpec[], activity: Activity, fallbackActivity?: Activity): Promise<StoredFile[]> {
  const { queue, pilot } = ctx.resolver.services.settings;
  const base = destinationFor(queue, activity) ?? (fallbackActivity ? destinationFor(queue, fallbackActivity) : undefined);
  if (!base) throw new PilotError(ErrorCodes.NOSTORAGE, `no storage for activity ${activity}${fallbackActivity ? ` or ${fallbackActivity}` : ''} (astorages)`, { recoverable: false });
  const ledger = await readLedger(ctx.jobDir);
  const stored: StoredFile[] = [];
  for (const file of files) {
    const url = objectUrl(base, file.lfn);
    const known = ledger[`${activity}:${file.lfn}`];
    if (known && known.url === url) {
      stored.push(known);
      continue;
    }
    const localPath = join(ctx.jobDir, file.lfn);
    let result: TransferOutcome;
    try {
      result = await transferWithFallback('out', moverCandidates(ctx.resolver, activity, url), {
        localPath, url, ...(ctx.signal ? { signal: ctx.signal } : {}),
      }, { attempts: queue.stageOutRetry, ...pilot.transfers }, ctx.log);
    } catch (err) {
      if (err instanceof PilotError && err.code === ErrorCodes.MISSINGLOCALFILE) {
        throw new PilotError(ErrorCodes.MISSINGOUTPUTFILE, `output ${file.lfn} was not produced by the payload`, { recoverable: false, cause: err });
      }
      throw err;
    }
    const entry: StoredFile = { lfn: file.lfn, url, size: result.size, checksum: formatChecksum(result.checksum), mover: result.mover };
    ledger[`${activity}:${file.lfn}`] = entry;
    await writeJsonAtomic(join(ctx.jobDir, TRANSFER_LEDGER), ledger);
    ctx.log.info(`staged out ${file.lfn} to ${url} (${result.size} bytes, ${entry.checksum}, ${result.mover})`);
    stored.push(entry);
  }
  return stored;
}
