/**
 * `espilot check`: resolve every name the configuration refers to before any job starts,
 * and report every problem at once with the known names.
 */
import type { PilotSettings } from '../config/config-layers.js';
import { SiteMover } from '../contracts/site-mover.js';
import { Experiment } from '../contracts/experiment.js';
import { PayloadChannel } from '../contracts/payload-channel.js';
import { PayloadLauncher } from '../contracts/payload-launcher.js';
import { ConfigError, formatIssue } from '../errors/config-error.js';
import { PilotError } from '../errors/pilot-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';
import { validatePluginOptions } from '../plugin/plugin-options.js';
import { queueDestinations } from '../binding/queue-destinations.js';
import { schemeOf } from '../binding/select-movers.js';
import { CONTAINER_LAUNCHER, payloadContainer } from './select-launcher.js';

export interface PreflightProblem {
  /** `warning`: the run works as configured (a fallback copytool that is skipped); `error`: it does not. */
  readonly severity: 'error' | 'warning';
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
      problems.push({ severity: 'error', where, message: err instanceof ConfigError ? err.issues.map(formatIssue).join('; ') : (err as Error).message });
      return undefined;
    }
  };
  need(Experiment, pilot.experiment, 'config.experiment');
  need(PayloadLauncher, pilot.launcher, 'config.launcher');
  if (queue.glexec !== 'false') need(PayloadLauncher, 'glexec', `queuedata.glexec (${queue.glexec})`);
  else if (payloadContainer(queue)) need(PayloadLauncher, CONTAINER_LAUNCHER, `queuedata.container_type (${payloadContainer(queue)}:pilot)`);
  need(PayloadChannel, pilot.channel, 'config.channel');

  for (const d of queueDestinations(settings, registry)) {
    const { activity, names, base } = d;
    if (names.length === 0) {
      if (d.explicit) problems.push({ severity: 'error', where: `activity ${activity}`, message: 'no copytool configured (set acopytools or copytool)' });
      continue;
    }
    if (!base) {
      // An ES activity with no destination is only a problem when the queue asked for it.
      if (d.objectstoreOnly && !d.explicit) continue;
      names.forEach((name, i) => {
        const where = `activity ${activity}, copytool[${i}] "${name}"`;
        if (registry.isSchemeAlias(SiteMover, name)) problems.push({ severity: 'error', where, message: `"${name}" needs a destination URL (queuedata objectstore or astorages.${activity})` });
        else need(SiteMover, name, where);
      });
      continue;
    }
    const { chosen, rejected } = d.choices!;
    for (const c of chosen) need(SiteMover, c.configured, `activity ${activity}, copytool[${c.index}] "${c.configured}"`, schemeOf(base));
    for (const r of rejected) {
      // A fallback that cannot write there is harmless while another copytool of the activity can.
      const severity = r.kind === 'scheme' && chosen.length > 0 ? 'warning' : 'error';
      problems.push({ severity, where: `activity ${activity}, copytool[${r.index}] "${r.configured}"`, message: severity === 'warning' ? `${r.reason}; skipped for ${base}` : r.reason });
    }
  }
  // Every options section, selected plugin or not; what need() reported of a selected one is not repeated.
  problems.push(...validatePluginOptions(settings, registry).filter((p) => !problems.some((q) => q.message.includes(p.where))).map((p) => ({ severity: 'error' as const, ...p })));
  return problems;
}

/** Throws one error listing every error (warnings do not stop a run) (for `espilot run` before it takes a job). */
export function assertPreflight(settings: PilotSettings, registry: PluginRegistry, resolver?: PluginResolver): void {
  const problems = preflight(settings, registry, resolver).filter((p) => p.severity === 'error');
  if (problems.length) {
    throw new PilotError(ErrorCodes.BADQUEUECONFIGURATION, `configuration problems: ${problems.map((p) => `${p.where}: ${p.message}`).join('; ')}`, { recoverable: false });
  }
}

