/**
 * Where ES outputs go: activity `es_events` (CRIC `astorages`, or the legacy `objectstore`
 * string's `eventservice` path) with its movers, and the optional `es_failover` storage.
 */
import type { QueueData } from '../config/queuedata.js';
import { SiteMover, type Activity } from '../contracts/site-mover.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';
import { destinationFor, moverNamesFor, schemeOf } from '../select/select-movers.js';
import type { MoverCandidate } from '../staging/transfer-service.js';

export interface EsDestination {
  readonly activity: Activity;
  /** Base URL; objects are `<base>/<objectName>`. */
  readonly base: string;
  readonly candidates: readonly MoverCandidate[];
}

export interface EsDestinations {
  readonly primary: EsDestination;
  readonly failover?: EsDestination;
}

/**
 * @throws PilotError ESOBJECTSTORESETUP (1241) when `es_events` has no destination or no
 *   mover that handles its URL scheme (the payload must not start then).
 */
export function resolveEsDestinations(queue: QueueData, resolver: PluginResolver, log: Logger): EsDestinations {
  const primary = resolveActivity(queue, resolver, 'es_events');
  if ('problem' in primary) throw new PilotError(ErrorCodes.ESOBJECTSTORESETUP, `no storage for ES outputs: ${primary.problem}`, { recoverable: false });
  let failover: EsDestination | undefined;
  if (queue.astorages.es_failover?.length) {
    const f = resolveActivity(queue, resolver, 'es_failover');
    if ('problem' in f) log.warn(`es_failover is configured but unusable, continuing without it: ${f.problem}`);
    else if (f.base !== primary.base) failover = f;
  }
  return { primary, ...(failover ? { failover } : {}) };
}

function resolveActivity(queue: QueueData, resolver: PluginResolver, activity: Activity): EsDestination | { problem: string } {
  const base = destinationFor(queue, activity);
  if (!base) return { problem: `queuedata gives no destination for ${activity} (set astorages.${activity} or the objectstore "eventservice^" entry)` };
  const scheme = schemeOf(base);
  const names = moverNamesFor(queue, activity);
  const candidates: MoverCandidate[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      const entry = resolver.registry.find(SiteMover, name, scheme);
      if (entry.descriptor.schemes && !entry.descriptor.schemes.includes(scheme)) {
        problems.push(`${name} does not handle ${scheme}://`);
        continue;
      }
      candidates.push({ name, mover: resolver.get<SiteMover>(SiteMover, name, scheme) });
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (candidates.length === 0) return { problem: `no mover for ${activity} at ${base}${problems.length ? ` (${problems.join('; ')})` : ''}` };
  return { activity, base, candidates };
}
