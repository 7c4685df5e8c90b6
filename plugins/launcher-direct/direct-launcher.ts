/**
 * PayloadLauncher `direct`: the payload runs as the pilot's own user, in its own process
 * group, with exactly the environment the RunJob built (nothing inherited from the pilot).
 */
import { inject } from '../../core/index.js';
import {
  LoggerToken, PLUGIN_API_VERSION, PayloadLauncher, SecretsToken, pilotPlugin, type LaunchRequest, type Logger,
  type PayloadProcess, type SecretRegistry,
} from '../../core/index.js';
import { spawnInGroup } from './spawn-in-group.js';

@pilotPlugin({
  provides: PayloadLauncher,
  name: 'direct',
  apiVersion: PLUGIN_API_VERSION,
  description: '/bin/sh -c in a new process group, exact environment, output appended to files',
})
export class DirectLauncher implements PayloadLauncher {
  constructor(
    @inject(LoggerToken) private readonly log: Logger,
    @inject(SecretsToken) private readonly secrets: SecretRegistry,
  ) {}

  /** @throws PilotError PAYLOADEXECUTIONFAILURE (1305) when the payload cannot be started. */
  async launch(request: LaunchRequest): Promise<PayloadProcess> {
    const env = cleanEnv(request.env, this.secrets, this.log);
    const proc = await spawnInGroup({ ...request, env });
    this.log.info(`payload started as pid ${proc.pid} in ${request.cwd}`);
    return proc;
  }
}

/**
 * The request's environment without variables that carry a registered secret or a known
 * credential name: a last line of defence, the RunJob is expected to pass a clean one.
 */
export function cleanEnv(env: Readonly<Record<string, string>>, secrets: SecretRegistry, log: Logger): Record<string, string> {
  const clean = secrets.scrubEnv(env);
  const dropped = Object.keys(env).filter((k) => !(k in clean));
  if (dropped.length) log.warn(`not passing secret-bearing variables to the payload: ${dropped.join(', ')}`);
  return clean;
}
