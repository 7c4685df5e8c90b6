/**
 * RunJob `event`'s seams on the core's ES runner: one local yampl channel under the job's
 * fresh name, and one payload process in the job's work directory.
 */
import { join } from 'node:path';
import {
  PayloadChannel, type EsPayloadSeams, type EsRunnerOptions, type LaunchParts, type LaunchedPayload, type PayloadChannel as Channel,
  type PilotSettings, type PluginResolver, type RunJobContext,
} from '../../core/index.js';

export class LocalPayloadSeams implements EsPayloadSeams {
  constructor(
    private readonly settings: PilotSettings,
    private readonly resolver: PluginResolver,
    private readonly options: EsRunnerOptions,
    private readonly ctx: RunJobContext,
  ) {}

  /** A fresh local channel at ipc:///tmp/zmq_<name>; closed again if it cannot be opened. */
  async openChannel(channelName: string): Promise<Channel> {
    const channel = this.resolver.create<Channel>(PayloadChannel, this.settings.pilot.channel);
    try {
      await channel.open({ kind: 'local', name: channelName });
    } catch (err) {
      await channel.close().catch(() => undefined);
      throw err;
    }
    return channel;
  }

  /** The experiment's command through the run's launcher, stdout/stderr into the workdir. */
  async launch(a: LaunchParts): Promise<LaunchedPayload> {
    const { job, workdir } = this.ctx;
    const command = await a.experiment.payloadCommand(job, { workdir, queue: this.settings.queue, channelName: a.channelName, inputPaths: a.inputPaths });
    const proc = await a.launcher.launch({
      command: command.command,
      cwd: workdir,
      env: { ...a.env, ...command.env },
      stdoutPath: join(workdir, this.options.stdoutName),
      stderrPath: join(workdir, this.options.stderrName),
      ...(job.userProxy ? { userProxy: job.userProxy } : {}),
    });
    return { process: proc, groups: [{ pid: proc.pid, cwd: workdir }] };
  }
}
