/**
 * The command that starts one payload instance across the allocation: a template with
 * `{command}` (the instance's payload command as one shell word), `{endpoint}`,
 * `{instance}` (0-based), `{instances}`, `{cores}` (coresPerInstance), `{node}` (0-based
 * index of the allocation's node the instance belongs on, for `srun --relative`) and
 * `{jobNumber}` (the instance's distinct --jobNumber). Each instance is its own launch, so a batch system
 * can kill one (a Slurm step) without the others. Examples:
 *   local:   `/bin/sh -c {command}` (the default)
 *   Slurm:   `srun --exclusive -N1 -n1 -c {cores} --relative={node} --job-name=espilot-{instance} /bin/sh -c {command}`
 *   MPI:     `mpirun -np 1 --bind-to none /bin/sh -c {command}` (as root: OMPI_ALLOW_RUN_AS_ROOT=1 and _CONFIRM=1)
 */
import { ConfigError, shellQuote } from '../../core/index.js';

export const DEFAULT_LAUNCH_TEMPLATE = '/bin/sh -c {command}';
const NAMES = ['command', 'endpoint', 'instance', 'instances', 'cores', 'node', 'jobNumber'] as const;
const PLACEHOLDER = new RegExp(`\\{(${NAMES.join('|')})\\}|\\{([^}]*)\\}`, 'g');

export interface InstanceValues {
  readonly command: string;
  readonly endpoint: string;
  readonly instance: number;
  readonly instances: number;
  readonly cores: number;
  readonly node: number;
  readonly jobNumber: number;
}

/** @throws ConfigError when the template lacks `{command}` or names an unknown placeholder. */
export function checkLaunchTemplate(template: string, path = 'launchTemplate'): string {
  const unknown = [...template.matchAll(PLACEHOLDER)].filter((m) => m[2] !== undefined).map((m) => m[0]);
  if (!template.includes('{command}') || unknown.length) {
    throw new ConfigError([{ path, expected: `a command template with {command} and only ${NAMES.map((n) => `{${n}}`).join(' ')}`, got: JSON.stringify(template) }]);
  }
  return template;
}

export function renderLaunchCommand(template: string, v: InstanceValues): string {
  return template.replace(PLACEHOLDER, (_m, name: (typeof NAMES)[number]) => (name === 'command' || name === 'endpoint' ? shellQuote(v[name]) : String(v[name])));
}
