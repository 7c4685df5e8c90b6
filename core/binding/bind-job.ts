/**
 * `bindJob`: the job's binding, computed once from configuration + queuedata + job. Every
 * rule about which storage a transfer of the job uses lives here (on top of the raw queuedata
 * rules of select-movers.ts); see core/contracts/job-binding.ts for what it holds.
 */
import { Experiment } from '../contracts/experiment.js';
import type { JobDefinition, FileSpec } from '../contracts/job-definition.js';
import type { BoundDestination, BoundInput, EsDestinations, JobBinding, PlannedTransfer } from '../contracts/job-binding.js';
import type { Activity } from '../contracts/site-mover.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';
import { deterministicFor, destinationFor, moverNamesFor, schemeOf, storageIdFor } from './select-movers.js';
import type { QueueData } from '../contracts/queue-data.js';
import { bindDestination, type BoundResult, type DestinationSpec } from './bind-destination.js';

/** What the binding needs of the experiment: the name of each range's output object. */
export type OutputNaming = Pick<Experiment, 'esOutputName'>;

/** Whether a job sends a copy of its log to the object store (`pls`; pilot1 transferLogToObjectStore). */
export function sendsLogCopy(job: JobDefinition, catchall: Readonly<Record<string, string>>): boolean {
  return job.eventServiceMerge || job.putLogToOS || catchall['log_to_objectstore'] !== undefined;
}

/**
 * Binds `job` (with the run's experiment unless given). Never throws for the job's storages:
 * one that cannot be used throws its PilotError when the job asks for it.
 * @throws PluginNotFoundError / PluginLoadError only when the experiment itself cannot be had.
 */
export function bindJob(resolver: PluginResolver, job: JobDefinition, experiment?: OutputNaming): JobBinding {
  const { queue, pilot } = resolver.services.settings;
  const naming = experiment ?? resolver.get<OutputNaming>(Experiment, pilot.experiment);
  const warnings: string[] = [];
  const idOf = (activity: Activity): { storageId?: number } => {
    const id = storageIdFor(queue, activity);
    return id !== undefined ? { storageId: id } : {};
  };
  const deterministic = (activity: Activity): { deterministic?: true } => (deterministicFor(queue, activity) ? { deterministic: true } : {});
  const transfers: PlannedTransfer[] = [];
  const cache = new Map<string, BoundResult>();
  const bind = (spec: DestinationSpec): BoundResult => {
    const key = `${spec.activity}|${spec.direction}|${spec.base ?? ''}|${spec.names.join(',')}|${spec.code ?? ''}`;
    let r = spec.base ? cache.get(key) : undefined;
    if (!r) {
      r = bindDestination(resolver, spec);
      if (spec.base) cache.set(key, r);
      if (r.destination) {
        for (const x of r.rejected) warnings.push(`activity ${spec.activity}, copytool[${x.index}] "${x.configured}" skipped: ${x.reason}`);
      }
    }
    return r;
  };
  /** @returns the name's refusal (containedUrl), when the destination is usable but the name is not. */
  const plan = (direction: 'in' | 'out', label: string, r: BoundResult, name: string | FileSpec, optional = false): PilotError | undefined => {
    const d = r.destination;
    let url = '';
    let nameError: PilotError | undefined;
    try {
      url = d ? (typeof name === 'string' ? d.url(name) : d.fileUrl(name)) : '';
    } catch (err) {
      nameError = err as PilotError;
    }
    const error = r.error ?? nameError;
    transfers.push(Object.freeze({
      direction, activity: r.activity, label, url, movers: Object.freeze(d ? d.candidates.map((c) => c.name) : []),
      attempts: d?.retry.attempts ?? 0, ...(optional ? { optional } : {}), ...(error ? { error: error.message } : {}),
    }));
    return nameError;
  };

  // ES jobs too: the payload reads its input through the PoolFileCatalog and each range's PFN.
  const inputs: Array<{ file: FileSpec; r: BoundResult; direct: boolean }> = [];
  for (const file of job.inputFiles) {
    const spec = inputSpec(job, file, resolver);
    const r = bind(spec);
    let direct = false;
    try {
      direct = Boolean(r.destination && readsInPlace(queue, job, file.lfn, r.destination.url(file.lfn)));
    } catch {
      // A name that would leave its storage: the plan below records the refusal, inputs() throws it.
    }
    inputs.push({ file, r, direct });
    // A direct read is the payload's, not a transfer of the pilot: planned, never required.
    plan('in', `${direct ? 'direct access' : 'stage-in'} ${file.lfn}`, r, file.lfn, direct);
  }

  let outputs: BoundResult | undefined;
  let es: { primary: BoundResult; failover?: BoundDestination; failoverWarning?: string; nameError?: PilotError } | undefined;
  if (job.eventService) {
    const primary = bind({
      activity: 'es_events', direction: 'out', base: destinationFor(queue, 'es_events'), names: moverNamesFor(queue, 'es_events'), code: ErrorCodes.ESOBJECTSTORESETUP, ...idOf('es_events'),
      missing: 'queuedata gives no destination for es_events (set astorages.es_events or the objectstore "eventservice^" entry)',
    });
    es = { primary };
    if (queue.astorages.es_failover?.length) {
      const f = bind({
        activity: 'es_failover', direction: 'out', base: destinationFor(queue, 'es_failover'), names: moverNamesFor(queue, 'es_failover'), ...idOf('es_failover'),
        missing: 'queuedata gives no destination for es_failover (astorages.es_failover names no known storage)',
      });
      if (f.error) {
        es.failoverWarning = `es_failover is configured but unusable, continuing without it: ${f.error.message}`;
        warnings.push(es.failoverWarning);
      } else if (f.destination!.base !== primary.destination?.base) es.failover = f.destination!;
    }
    for (const out of job.outputFiles) es.nameError ??= plan('out', `es outputs ${out.lfn}`, primary, naming.esOutputName(out.lfn, '<eventRangeID>'));
    if (es.failover) {
      const failover: BoundResult = { activity: 'es_failover', destination: es.failover, rejected: [] };
      for (const out of job.outputFiles) plan('out', `es failover ${out.lfn}`, failover, naming.esOutputName(out.lfn, '<eventRangeID>'), true);
    }
  } else {
    outputs = bind({ activity: 'pw', direction: 'out', base: destinationFor(queue, 'pw'), names: moverNamesFor(queue, 'pw'), missing: 'no storage for activity pw (astorages)', ...deterministic('pw') });
    for (const out of job.outputFiles) plan('out', `stage-out ${out.lfn}`, outputs, out);
  }

  // Every job, ES jobs included, sends its log to `pl`, else `pw`.
  let log: BoundResult | undefined;
  let logCopy: BoundDestination | undefined;
  if (job.logFile) {
    const activity: Activity = destinationFor(queue, 'pl') ? 'pl' : 'pw';
    log = bind({ activity, direction: 'out', base: destinationFor(queue, activity), names: moverNamesFor(queue, activity), missing: 'no storage for activity pl or pw (astorages)', ...deterministic(activity) });
    plan('out', `log ${job.logFile.lfn}`, log, job.logFile);
    const pls = destinationFor(queue, 'pls');
    if (pls && sendsLogCopy(job, queue.catchall)) {
      const r = bind({ activity: 'pls', direction: 'out', base: pls, names: moverNamesFor(queue, 'pls'), missing: '', ...idOf('pls') });
      if (r.destination) {
        logCopy = r.destination;
        plan('out', `log copy ${job.logFile.lfn}`, r, job.logFile.lfn, true);
      } else warnings.push(`the log copy to the object store is skipped: ${r.error!.message}`);
    }
  }

  const need = (r: BoundResult | undefined, what: string): BoundDestination => {
    if (r?.destination) return r.destination;
    throw r?.error ?? new PilotError(ErrorCodes.NOSTORAGE, `job ${job.pandaId} has no ${what}`, { recoverable: false });
  };
  let failoverWarned = false;
  const binding: JobBinding = {
    pandaId: job.pandaId,
    inputs: (): readonly BoundInput[] => inputs.map(({ file, r, direct }) => {
      const destination = need(r, `storage for input ${file.lfn}`);
      return { lfn: file.lfn, url: destination.url(file.lfn), destination, ...(direct ? { direct } : {}) };
    }),
    outputs: () => need(outputs, 'output storage (it is an event service job)'),
    log: () => need(log, 'log stage-out'),
    logCopy: () => logCopy,
    es: (logger?: Logger): EsDestinations => {
      if (!es) throw new PilotError(ErrorCodes.ESOBJECTSTORESETUP, `job ${job.pandaId} is not an event service job`, { recoverable: false });
      const primary = es.primary.destination;
      if (!primary) throw new PilotError(ErrorCodes.ESOBJECTSTORESETUP, `no storage for ES outputs: ${es.primary.error!.message}`, { recoverable: false, cause: es.primary.error });
      // An output LFN whose object name would leave the store fails the job before it starts.
      if (es.nameError) throw es.nameError;
      if (es.failoverWarning && logger && !failoverWarned) {
        failoverWarned = true;
        logger.warn(es.failoverWarning);
      }
      return Object.freeze({ primary, ...(es.failover ? { failover: es.failover } : {}) });
    },
    transfers: Object.freeze(transfers),
    warnings: Object.freeze(warnings),
  };
  return Object.freeze(binding);
}

/** TURL schemes a payload reads in place (pilot3 FileSpec.is_directaccess). */
const DIRECT_ACCESS_SCHEMES: ReadonlySet<string> = new Set(['root', 'dcache', 'dcap', 'file', 'https']);

/**
 * Whether the payload reads an input in place instead of a staged copy (pilot3
 * api/data.py get_direct_access_variables, FileSpec.is_directaccess): the queue allows
 * direct access (LAN or WAN), the job is an analysis job or its task asks for it
 * (`transferType=direct`), the file is a ROOT file (no tarball, no RAW) and its TURL's scheme
 * is one a payload opens. Merge jobs always stage in: their inputs are verified against the
 * recorded checksums.
 */
export function readsInPlace(queue: QueueData, job: JobDefinition, lfn: string, turl: string): boolean {
  if (!queue.directAccessLan && !queue.directAccessWan) return false;
  if (job.eventServiceMerge) return false;
  const analysis = job.prodSourceLabel === 'user' || job.prodSourceLabel === 'panda';
  if (!analysis && job.transferType !== 'direct') return false;
  const name = lfn.toLowerCase();
  if (['.tar.gz', '.lib.tgz', '.raw.'].some((x) => name.includes(x)) || name.startsWith('raw.')) return false;
  return DIRECT_ACCESS_SCHEMES.has(schemeOf(turl));
}

/** Where an input is read from. Merge jobs read from the object store (pilot1: copytoolin=objectstore). */
function inputSpec(job: JobDefinition, file: FileSpec, resolver: PluginResolver): DestinationSpec {
  const { queue } = resolver.services.settings;
  if (job.eventServiceMerge) {
    const isLog = file.lfn.includes('.log.');
    return {
      activity: 'es_events_read', direction: 'in', base: destinationFor(queue, isLog ? 'pls' : 'es_events_read'), names: moverNamesFor(queue, 'es_events_read'),
      missing: `merge input ${file.lfn}: the queue has no object store ${isLog ? 'logs' : 'eventservice'} location`,
    };
  }
  const ddm = file.ddmEndpoint ? queue.storages[file.ddmEndpoint]?.url : undefined;
  return {
    activity: 'pr', direction: 'in', base: ddm ?? destinationFor(queue, 'pr'), names: moverNamesFor(queue, 'pr'),
    missing: `input ${file.lfn}: no storage for activity pr (astorages.pr or ddmendpoints.${file.ddmEndpoint ?? '<endpoint>'})`,
  };
}
