/**
 * The queue's storages per activity, without a job: what `espilot check` validates and lists.
 * Built from the same rules and the same candidate choice as a job's binding.
 */
import type { PilotSettings } from '../config/config-layers.js';
import { ACTIVITIES, SiteMover, type Activity } from '../contracts/site-mover.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';
import { moverChoices, type MoverChoices } from './bind-destination.js';
import { STAGE_IN_ACTIVITIES, destinationFor, moverNamesFor, schemeOf } from './select-movers.js';

export interface QueueDestination {
  readonly activity: Activity;
  /** Configured copytool names, in order. */
  readonly names: readonly string[];
  readonly base?: string;
  /** Whether queuedata names this activity itself (else it is implied). */
  readonly explicit: boolean;
  /** Every copytool is a scheme alias (`objectstore`): the activity needs a destination URL. */
  readonly objectstoreOnly: boolean;
  /** Which copytools handle the base's scheme; set when there is a base. */
  readonly choices?: MoverChoices;
  readonly attempts: number;
}

/** Every activity the queue can use (`pl` is covered by the log's `pl`-else-`pw` rule when it has a storage). */
export function queueDestinations(settings: PilotSettings, registry: PluginRegistry): QueueDestination[] {
  const { queue } = settings;
  const activities = new Set<Activity>([...ACTIVITIES.filter((a) => a !== 'default' && a !== 'pl'), ...(Object.keys(queue.acopytools) as Activity[])]);
  if (destinationFor(queue, 'pl')) activities.add('pl');
  const out: QueueDestination[] = [];
  for (const activity of [...activities].sort((a, b) => ACTIVITIES.indexOf(a) - ACTIVITIES.indexOf(b))) {
    const names = moverNamesFor(queue, activity);
    const base = destinationFor(queue, activity);
    out.push({
      activity, names, ...(base ? { base, choices: moverChoices(registry, names, schemeOf(base)) } : {}),
      explicit: queue.acopytools[activity] !== undefined || (!Object.keys(queue.acopytools).length && (activity === 'pr' || activity === 'pw')),
      objectstoreOnly: names.length > 0 && names.every((n) => registry.isSchemeAlias(SiteMover, n)),
      attempts: STAGE_IN_ACTIVITIES.has(activity) ? queue.stageInRetry : queue.stageOutRetry,
    });
  }
  return out;
}

/** `<activity>  <base> via <movers> (<n> attempt(s) each)` lines for `check`, for activities with a usable storage. */
export function describeQueueDestinations(list: readonly QueueDestination[]): string[] {
  return list
    .filter((d) => d.base && d.choices?.chosen.length)
    .map((d) => `${d.activity}: ${d.base} via ${d.choices!.chosen.map((c) => c.name).join(' → ')} (${d.attempts} attempt(s) each)`);
}
