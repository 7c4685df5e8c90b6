/**
 * PayloadLauncher `container`: the payload runs inside the queue's container (`container_type`
 * `apptainer:pilot` / `singularity:pilot`, chosen by core/select/select-launcher.ts), with what
 * the ES channel needs kept shared: the host's /tmp, the work dir, the environment (scrubbed of
 * secrets like every launcher's). The runtime is pilot3's apptainer command, or bubblewrap with
 * the same sharing (`pluginOptions.container.runtime: bwrap`).
 */
import { inject } from '../../core/index.js';
import {
  ErrorCodes, LoggerToken, PLUGIN_API_VERSION, PayloadLauncher, PilotError, PluginOptions, SecretsToken, SettingsToken, payloadContainer,
  pilotPlugin, type LaunchRequest, type Logger, type PayloadProcess, type PilotSettings, type SecretRegistry,
} from '../../core/index.js';
import { cleanEnv, spawnInGroup } from '../launcher-direct/index.js';
import { apptainerCommand } from './apptainer-command.js';
import { bwrapCommand } from './bwrap-command.js';
import { parseContainerOptions, type ContainerOptions } from './container-options.js';

@pilotPlugin({
  provides: PayloadLauncher,
  name: 'container',
  options: parseContainerOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'the payload inside apptainer/singularity (pilot3 command) or bubblewrap; /tmp, work dir and environment shared',
})
export class ContainerLauncher implements PayloadLauncher {
  constructor(
    @inject(LoggerToken) private readonly log: Logger,
    @inject(SecretsToken) private readonly secrets: SecretRegistry,
    @inject(SettingsToken) private readonly settings: PilotSettings,
    @inject(PluginOptions) private readonly options: ContainerOptions,
  ) {}

  /** @throws PilotError PAYLOADEXECUTIONFAILURE (1305) when there is no image or the payload cannot be started. */
  async launch(request: LaunchRequest): Promise<PayloadProcess> {
    const env = cleanEnv(request.env, this.secrets, this.log);
    const command = this.containerCommand(request);
    const proc = await spawnInGroup({ ...request, env, command });
    this.log.info(`payload started in a ${this.options.runtime} container as pid ${proc.pid} in ${request.cwd}`);
    return proc;
  }

  /** The request's command wrapped in the configured runtime's command. */
  containerCommand(request: LaunchRequest): string {
    const o = this.options;
    if (o.runtime === 'bwrap') {
      return bwrapCommand({ executable: o.executable ?? 'bwrap', workdir: request.cwd, readOnlyBinds: o.readOnlyBinds, command: request.command });
    }
    const queue = this.settings.queue;
    const name = o.executable ?? payloadContainer(queue) ?? 'apptainer';
    if (!o.image) {
      throw new PilotError(ErrorCodes.PAYLOADEXECUTIONFAILURE, `no container image for ${name} (set pluginOptions.container.image, or runtime "bwrap")`, { recoverable: false });
    }
    const built = apptainerCommand({ executable: name, containerOptions: queue.containerOptions, workdir: request.cwd, image: o.image, command: request.command });
    if (built.dropped.length) this.log.warn(`dropped ${built.dropped.join(' ')} from container_options: the payload must share the host's /tmp (the channel's socket)`);
    return built.command;
  }
}
