/**
 * `espilot check`: resolve every name the configuration refers to before any job starts,
 * and report every problem at once with the known names.
 */
import type { PilotSettings } from '../config/config-layers.js';
import { ACTIVITIES, SiteMover, type Activity } from '../contracts/site-mover.js';
import { Experiment } from '../contracts/experiment.js';
import { PayloadChannel } from '../contracts/payload-channel.js';
import { PayloadLauncher } from '../contracts/payload-launcher.js';
import { ConfigError, formatIssue } from '../errors/config-error.js';
import { PilotError } from '../errors/pilot-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';
import { validatePluginOptions } from '../plugin/plugin-options.js';
import { destinationFor, moverNamesFor, schemeOf } from './select-movers.js';

export interface PreflightProblem {
  readonly where: string;
  readonly message: string;
}

export function preflight(settings: PilotSettings, registry: PluginRegistry, resolver?: PluginResolver): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const { pilot, queue } = settings;
  const need = (contract: symbol, name: string, where: string, scheme?: string) => {
    try {
      const entry = registry.find(contract, name, scheme);
      if (resolver) resolver.parseOptions(entry);
      return entry;
    } catch (err) {
      problems.push({ where, message: err instanceof ConfigError ? err.issues.map(formatIssue).join('; ') : (err as Error).message });
      return undefined;
    }
  };
  need(Experiment, pilot.experiment, 'config.experiment');
  need(PayloadLauncher, pilot.launcher, 'config.launcher');
  if (queue.glexec !== 'false') need(PayloadLauncher, 'glexec', `queuedata.glexec (${queue.glexec})`);
  need(PayloadChannel, pilot.channel, 'config.channel');

  const activities = new Set<Activity>([...ACTIVITIES.filter((a) => a !== 'default' && a !== 'pl'), ...(Object.keys(queue.acopytools) as Activity[])]);
  for (const activity of activities) {
    const names = moverNamesFor(queue, activity);
    const explicit = queue.acopytools[activity] !== undefined || (!Object.keys(queue.acopytools).length && (activity === 'pr' || activity === 'pw'));
    if (names.length === 0) {
      if (explicit) problems.push({ where: `activity ${activity}`, message: 'no copytool configured (set acopytools or copytool)' });
      continue;
    }
    const base = destinationFor(queue, activity);
    const objectstoreOnly = names.every((n) => registry.isSchemeAlias(SiteMover, n));
    // An ES activity with no destination is only a problem when the queue asked for it.
    if (objectstoreOnly && !base && !explicit) continue;
    names.forEach((name, i) => {
      const where = `activity ${activity}, copytool[${i}] "${name}"`;
      if (registry.isSchemeAlias(SiteMover, name)) {
        if (!base) problems.push({ where, message: `"${name}" needs a destination URL (queuedata objectstore or astorages.${activity})` });
        else need(SiteMover, name, where, schemeOf(base));
      } else {
        const entry = need(SiteMover, name, where);
        if (entry && base && entry.descriptor.schemes && !entry.descriptor.schemes.includes(schemeOf(base))) {
          problems.push({ where, message: `${entry.descriptor.name} does not handle "${schemeOf(base)}://" (handles ${entry.descriptor.schemes.join(', ')})` });
        }
      }
    });
  }
  // Every options section, selected plugin or not; what need() reported of a selected one is not repeated.
  problems.push(...validatePluginOptions(settings, registry).filter((p) => !problems.some((q) => q.message.includes(p.where))));
  return problems;
}

/** Throws one error listing every problem (for `espilot run` before it takes a job). */
export function assertPreflight(settings: PilotSettings, registry: PluginRegistry, resolver?: PluginResolver): void {
  const problems = preflight(settings, registry, resolver);
  if (problems.length) {
    throw new PilotError(ErrorCodes.BADQUEUECONFIGURATION, `configuration problems: ${problems.map((p) => `${p.where}: ${p.message}`).join('; ')}`, { recoverable: false });
  }
}

