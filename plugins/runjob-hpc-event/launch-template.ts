/**
 * The command that starts one payload instance across the allocation: a template with
 * `{command}` (the instance's payload command as one shell word), `{endpoint}`,
 * `{instance}` (0-based) and `{instances}`. Examples:
 *   local:   `/bin/sh -c {command}` (the default)
 *   Slurm:   `srun --exclusive -N1 -n1 /bin/sh -c {command}`
 *   MPI:     `mpirun -np 1 /bin/sh -c {command}`
 */
import { ConfigError, shellQuote } from '../../core/index.js';

export const DEFAULT_LAUNCH_TEMPLATE = '/bin/sh -c {command}';
const PLACEHOLDER = /\{(command|endpoint|instance|instances)\}|\{([^}]*)\}/g;

export interface InstanceValues {
  readonly command: string;
  readonly endpoint: string;
  readonly instance: number;
  readonly instances: number;
}

/** @throws ConfigError when the template lacks `{command}` or names an unknown placeholder. */
export function checkLaunchTemplate(template: string, path = 'launchTemplate'): string {
  const unknown = [...template.matchAll(PLACEHOLDER)].filter((m) => m[2] !== undefined).map((m) => m[0]);
  if (!template.includes('{command}') || unknown.length) {
    throw new ConfigError([{ path, expected: 'a command template with {command} and only {command} {endpoint} {instance} {instances}', got: JSON.stringify(template) }]);
  }
  return template;
}

export function renderLaunchCommand(template: string, v: InstanceValues): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    if (name === 'command') return shellQuote(v.command);
    if (name === 'endpoint') return shellQuote(v.endpoint);
    return String(name === 'instance' ? v.instance : v.instances);
  });
}
