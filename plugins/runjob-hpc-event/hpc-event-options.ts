/** `pluginOptions.hpc-event`: the core ES runner's options plus how the instances are started. */
import { ConfigError, FieldReader, readEsRunnerOptions, type ConfigIssue, type EsRunnerOptions } from '../../core/index.js';
import { DEFAULT_LAUNCH_TEMPLATE, checkLaunchTemplate } from './launch-template.js';

export interface HpcEventOptions extends EsRunnerOptions {
  /** How many payload instances serve the job (e.g. nodes of the allocation). */
  readonly instances: number;
  /** When set: `instancesPerNode` × the allocation's nodes instances (instead of `instances`). */
  readonly instancesPerNode: number | undefined;
  /** Cores each instance runs with: its `coreCount` (ATHENA_PROC_NUMBER) and the template's `{cores}`; default the job's coreCount. */
  readonly coresPerInstance: number | undefined;
  /** `per-instance`: each instance's `--jobNumber` is distinct (its random seeds differ); `as-given`: the job's own. */
  readonly jobNumbers: 'per-instance' | 'as-given';
  /** The command that starts one instance (see launch-template.ts). */
  readonly launchTemplate: string;
  /** Address the channels bind to (`0.0.0.0` for an allocation's nodes; loopback by default). */
  readonly bindHost: string;
  /** The host name instances connect to; default: `bindHost`, or the pilot host's name when `bindHost` is `0.0.0.0` (''). */
  readonly advertiseHost: string;
  /** Instance i listens on `basePort + i`; 0: free ports chosen by the system. */
  readonly basePort: number;
}

/** @throws ConfigError naming each bad field (including the ES runner's). */
export function parseHpcEventOptions(raw: unknown): HpcEventOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const instances = r.int('instances', { min: 1, max: 4096 }, 1);
  const instancesPerNode = r.int('instancesPerNode', { min: 1, max: 4096 });
  const coresPerInstance = r.int('coresPerInstance', { min: 1, max: 1024 });
  const jobNumbers = r.oneOf('jobNumbers', ['per-instance', 'as-given'] as const, 'per-instance');
  const launchTemplate = r.string('launchTemplate', DEFAULT_LAUNCH_TEMPLATE);
  try {
    checkLaunchTemplate(launchTemplate);
  } catch (err) {
    issues.push(...(err as ConfigError).issues);
  }
  const bindHost = r.string('bindHost', '127.0.0.1');
  // Bound to every interface, the channels are reached by the pilot host's name, known only where it runs.
  const advertiseHost = r.string('advertiseHost', bindHost === '0.0.0.0' ? '' : bindHost);
  const basePort = r.int('basePort', { min: 0, max: 65535 }, 0);
  if (basePort > 0 && basePort + instances - 1 > 65535) r.fail('basePort', `a port that leaves room for ${instances} instances`);
  const event = readEsRunnerOptions(r);
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze({ ...event, instances, instancesPerNode, coresPerInstance, jobNumbers, launchTemplate, bindHost, advertiseHost, basePort });
}
