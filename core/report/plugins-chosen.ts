/**
 * Which plugin does what for one job, by role, as its report shows it. Worked out once when
 * the job starts (and kept in the job state file) so that a report regenerated later shows
 * what the job really used, not what today's configuration would choose.
 */
import type { JobDefinition } from '../contracts/job-definition.js';
import type { Activity } from '../contracts/site-mover.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';
import { launcherNameFor } from '../select/select-launcher.js';
import { destinationFor, objectUrl } from '../select/select-movers.js';
import { inputLocation, moverCandidates } from '../staging/job-transfers.js';

/**
 * @returns role → plugin names, e.g. `{ experiment: 'generic', runJob: 'event', launcher: 'direct',
 *   channel: 'zeromq', 'movers.es_events': 'objectstore→local' }`. A role whose plugins cannot be
 *   resolved holds `ERROR <message>` instead; this never throws.
 */
export function pluginsChosen(resolver: PluginResolver, job: JobDefinition, runJob: string): Record<string, string> {
  const { pilot, queue } = resolver.services.settings;
  const out: Record<string, string> = { experiment: pilot.experiment, runJob, launcher: launcherNameFor(resolver.services.settings) };
  if (job.eventService) out['channel'] = pilot.channel;
  const movers = (activity: Activity, url: () => string | undefined, names?: readonly string[]): void => {
    try {
      const u = url();
      if (u) out[`movers.${activity}`] = moverCandidates(resolver, activity, u, names).map((c) => c.name).join(', ');
    } catch (err) {
      out[`movers.${activity}`] = `ERROR ${(err as Error).message}`;
    }
  };
  const firstInput = job.inputFiles[0];
  if (firstInput && !job.eventService) {
    let loc: ReturnType<typeof inputLocation> | undefined;
    try {
      loc = inputLocation(resolver, job, firstInput);
    } catch (err) {
      out['movers.stage-in'] = `ERROR ${(err as Error).message}`;
    }
    if (loc) movers(loc.activity, () => loc.url, loc.movers);
  }
  const at = (activity: Activity, lfn: string) => () => {
    const base = destinationFor(queue, activity);
    return base ? objectUrl(base, lfn) : undefined;
  };
  if (job.eventService) {
    movers('es_events', at('es_events', `${job.outputFiles[0]?.lfn ?? 'output'}.range`));
    if (queue.astorages.es_failover?.length) movers('es_failover', at('es_failover', 'output.range'));
  } else if (job.outputFiles.length) {
    movers('pw', at('pw', job.outputFiles[0]!.lfn));
  }
  // ES consumers upload no log of their own; other jobs send theirs to `pl`, else `pw`.
  if (job.logFile && !job.eventService) {
    const activity: Activity = destinationFor(queue, 'pl') ? 'pl' : 'pw';
    movers(activity, at(activity, job.logFile.lfn));
  }
  return out;
}
