/**
 * Which plugin does what for one job, by role, as its report shows it. Worked out once when
 * the job starts (and kept in the job state file) so that a report regenerated later shows
 * what the job really used, not what today's configuration would choose.
 */
import type { PilotSettings } from '../config/config-layers.js';
import type { JobBinding } from '../contracts/job-binding.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import { launcherNameFor } from '../select/select-launcher.js';

/**
 * @returns role → plugin names, e.g. `{ experiment: 'generic', runJob: 'event', launcher: 'direct',
 *   channel: 'zeromq', 'movers.es_events': 'objectstore→local' }`, the movers read from the
 *   job's binding. A transfer that cannot happen holds `ERROR <message>` instead; this never throws.
 */
export function pluginsChosen(settings: PilotSettings, binding: JobBinding, job: JobDefinition, runJob: string): Record<string, string> {
  const out: Record<string, string> = { experiment: settings.pilot.experiment, runJob, launcher: launcherNameFor(settings) };
  if (job.eventService) out['channel'] = settings.pilot.channel;
  for (const t of binding.transfers) {
    const key = `movers.${t.activity}`;
    if (out[key] === undefined || (t.error && !out[key].startsWith('ERROR'))) out[key] = t.error ? `ERROR ${t.error}` : t.movers.join(', ');
  }
  return out;
}
