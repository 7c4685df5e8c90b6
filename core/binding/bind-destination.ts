/**
 * The one place a storage of an activity is resolved: which configured copytools handle its
 * URL scheme (in order), which checksum store keeps its checksums, and how often each mover
 * is tried. The job binding, `check` and `mover-test` all go through here.
 */
import { ChecksumStore } from '../contracts/checksum-store.js';
import type { BoundDestination, MoverCandidate } from '../contracts/job-binding.js';
import { SiteMover, type Activity } from '../contracts/site-mover.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError, toPilotError } from '../errors/pilot-error.js';
import type { PluginEntry } from '../plugin/plugin-descriptor.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';
import { containedUrl } from '../util/contained-path.js';
import { rucioPath } from './rucio-path.js';
import { deterministicFor, destinationFor, moverNamesFor, schemeOf } from './select-movers.js';

export interface MoverChoice {
  /** Position in the configured list (`copytool[<index>]`). */
  readonly index: number;
  readonly configured: string;
  /** Display name: the plugin's name, `objectstore→<plugin>` for a scheme alias. */
  readonly name: string;
  readonly entry: PluginEntry;
}

export interface MoverRejection {
  readonly index: number;
  readonly configured: string;
  /** `unknown`: no such plugin; `scheme`: it does not handle the URL's scheme; `broken`: it cannot be created. */
  readonly kind: 'unknown' | 'scheme' | 'broken';
  readonly reason: string;
}

export interface MoverChoices {
  readonly chosen: readonly MoverChoice[];
  readonly rejected: readonly MoverRejection[];
}

/** Which of the configured copytools handle `scheme`, in order, and why the others do not. Never throws. */
export function moverChoices(registry: PluginRegistry, names: readonly string[], scheme: string): MoverChoices {
  const chosen: MoverChoice[] = [];
  const rejected: MoverRejection[] = [];
  names.forEach((configured, index) => {
    const alias = registry.isSchemeAlias(SiteMover, configured);
    let entry: PluginEntry;
    try {
      entry = registry.find(SiteMover, configured, alias ? scheme : undefined);
    } catch (err) {
      rejected.push({ index, configured, kind: alias ? 'scheme' : 'unknown', reason: (err as Error).message });
      return;
    }
    const d = entry.descriptor;
    if (d.schemes && !d.schemes.includes(scheme)) {
      rejected.push({ index, configured, kind: 'scheme', reason: `${d.name} does not handle "${scheme}://" (handles ${d.schemes.join(', ')})` });
      return;
    }
    chosen.push({ index, configured, name: alias ? `${configured}→${d.name}` : d.name, entry });
  });
  return { chosen, rejected };
}

/** The checksum store of a scheme: the first loaded store that declares it. */
export function checksumStoreEntry(registry: PluginRegistry, scheme: string): PluginEntry | undefined {
  return registry.list(ChecksumStore).find((e) => e.descriptor.schemes?.includes(scheme));
}

/**
 * The run's checksum store for objects under `scheme` (`file` → the local catalog, `s3` → user
 * metadata, `root` → the xrootd server), or undefined when no loaded plugin declares it: the
 * same one a job's binding gives a destination of that scheme. For movers whose storage keeps
 * no checksums of its own (gfal2 on file://).
 * @throws like `PluginResolver.instantiate`.
 */
export function checksumStoreFor(resolver: PluginResolver, scheme: string): ChecksumStore | undefined {
  const entry = checksumStoreEntry(resolver.registry, scheme);
  return entry ? resolver.instantiate<ChecksumStore>(entry) : undefined;
}

export interface DestinationSpec {
  readonly activity: Activity;
  readonly direction: 'in' | 'out';
  /** Base URL; undefined when queuedata gives none. */
  readonly base: string | undefined;
  readonly names: readonly string[];
  /** Why there is no base, for the error (`no storage for activity pw (astorages)`). */
  readonly missing: string;
  /** The code of every failure of this destination instead of NOSTORAGE / NOSTORAGEPROTOCOL (ES outputs: 1241). */
  readonly code?: number;
  /** The storage's endpoint id (select-movers `storageIdFor`). */
  readonly storageId?: number;
  /** Job files go to Rucio's deterministic paths (select-movers `deterministicFor`; SE stage-out only). */
  readonly deterministic?: boolean;
}

export interface BoundResult {
  readonly activity: Activity;
  readonly destination?: BoundDestination;
  /** Set exactly when `destination` is not. */
  readonly error?: PilotError;
  readonly rejected: readonly MoverRejection[];
}

/** Resolves one destination with its movers (created now, cached per run) and checksum store. Never throws. */
export function bindDestination(resolver: PluginResolver, spec: DestinationSpec): BoundResult {
  const fail = (code: number, message: string, rejected: readonly MoverRejection[] = []): BoundResult =>
    ({ activity: spec.activity, error: new PilotError(spec.code ?? code, message, { recoverable: false }), rejected });
  if (!spec.base) return fail(ErrorCodes.NOSTORAGE, spec.missing);
  const base = spec.base;
  const scheme = schemeOf(base);
  const { chosen, rejected } = moverChoices(resolver.registry, spec.names, scheme);
  const candidates: MoverCandidate[] = [];
  const all = [...rejected];
  for (const c of chosen) {
    try {
      candidates.push({ name: c.name, mover: resolver.instantiate<SiteMover>(c.entry) });
    } catch (err) {
      all.push({ index: c.index, configured: c.configured, kind: 'broken', reason: (err as Error).message });
    }
  }
  if (candidates.length === 0) {
    const why = all.length ? `: ${all.map((r) => r.reason).join('; ')}` : '';
    return fail(ErrorCodes.NOSTORAGEPROTOCOL, `no copytool of activity ${spec.activity} (${spec.names.join(', ') || 'none'}) handles ${scheme}:// (${base})${why}`, all);
  }
  let checksumStore: ChecksumStore | undefined;
  try {
    checksumStore = checksumStoreFor(resolver, scheme);
  } catch (err) {
    const e = toPilotError(err, ErrorCodes.NOSTORAGE, `checksum store for ${scheme}://`);
    return { activity: spec.activity, error: spec.code ? new PilotError(spec.code, e.message, { recoverable: false, cause: e }) : e, rejected: all };
  }
  const { queue, pilot } = resolver.services.settings;
  const attempts = spec.direction === 'in' ? queue.stageInRetry : queue.stageOutRetry;
  const destination: BoundDestination = Object.freeze({
    activity: spec.activity, base, scheme, candidates: Object.freeze(candidates),
    retry: Object.freeze({ attempts, backoffBaseMs: pilot.transfers.backoffBaseMs, backoffMaxMs: pilot.transfers.backoffMaxMs }),
    ...(checksumStore ? { checksumStore } : {}),
    ...(spec.storageId !== undefined ? { storageId: spec.storageId } : {}),
    ...(spec.deterministic ? { deterministic: true } : {}),
    url: (name: string) => containedUrl(base, name, `${spec.activity} object name`),
    fileUrl: (file: { readonly lfn: string; readonly scope?: string }) =>
      containedUrl(base, spec.deterministic && file.scope ? rucioPath(file.scope, file.lfn) : file.lfn, `${spec.activity} object name`),
  });
  return { activity: spec.activity, destination, rejected: all };
}

/** The storage an activity wrote to, read back with the stage-in (`pr`) movers (the demo's check of a merged output). */
export function bindReadBack(resolver: PluginResolver, writtenBy: Activity): BoundResult {
  const { queue } = resolver.services.settings;
  return bindDestination(resolver, {
    activity: 'pr', direction: 'in', base: destinationFor(queue, writtenBy), names: moverNamesFor(queue, 'pr'), missing: `no storage for activity ${writtenBy} (astorages)`,
    ...(deterministicFor(queue, writtenBy) ? { deterministic: true } : {}),
  });
}
