/**
 * One HPC ES job: RunJobEvent's job run with M payload instances instead of one. Each
 * instance gets its own TCP channel (`tcp://<host>:<port>`, yampl's DISTRIBUTED form) and its
 * own directory `instance-<i>/` under the work directory, and is started by the launch
 * template through the run's launcher. The engine serves all channels as one; when an
 * instance ends while others still run, the ranges it held are failed (ESATHENAMPDIED 1227)
 * and the others carry on. Journal, reporter, stage-out and the job's outcome are RunJobEvent's.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, PayloadChannel, PilotError, sleep, type PayloadChannel as Channel, type PayloadProcess, type RunJobContext,
} from '../../core/index.js';
import { EsJobRun, describeExit, type EsJobDeps, type LaunchParts } from '../runjob-event/index.js';
import { InstanceChannels } from './instance-channels.js';
import { InstanceGroup, type InstanceEnd } from './instance-group.js';
import { renderLaunchCommand } from './launch-template.js';
import type { HpcEventOptions } from './hpc-event-options.js';

export class HpcEventRun extends EsJobRun {
  private channels: InstanceChannels | undefined;
  private endpoints: string[] = [];
  private group: InstanceGroup | undefined;

  constructor(d: EsJobDeps, ctx: RunJobContext, private readonly hpc: HpcEventOptions) {
    super(d, ctx);
  }

  /** One TCP channel per instance; all are closed again if one cannot be bound. */
  protected override async openChannel(): Promise<Channel> {
    const { resolver, settings } = this.d;
    const opened: Channel[] = [];
    try {
      for (let i = 0; i < this.hpc.instances; i++) {
        const ch = resolver.create<Channel>(PayloadChannel, settings.pilot.channel);
        opened.push(ch);
        const bound = await ch.open({ kind: 'tcp', host: this.hpc.bindHost, port: this.hpc.basePort ? this.hpc.basePort + i : 0 });
        this.endpoints.push(`tcp://${this.hpc.advertiseHost}:${/:(\d+)$/.exec(bound)?.[1] ?? ''}`);
      }
    } catch (err) {
      await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
      throw err;
    }
    this.log.info(`serving ${this.hpc.instances} payload instance(s) at ${this.endpoints.join(' ')}`);
    return (this.channels = new InstanceChannels(opened));
  }

  /**
   * Starts every instance; if one cannot be started, those already running are killed.
   * @throws PilotError from the experiment or the launcher (PAYLOADEXECUTIONFAILURE 1305, ...).
   */
  protected override async launchPayload(a: LaunchParts): Promise<PayloadProcess> {
    const { job, workdir } = this.ctx;
    const started: PayloadProcess[] = [];
    try {
      for (let i = 0; i < this.hpc.instances; i++) {
        const cwd = join(workdir, `instance-${i}`);
        await mkdir(cwd, { recursive: true });
        const endpoint = this.endpoints[i]!;
        const pc = await a.experiment.payloadCommand(job, { workdir: cwd, queue: this.d.settings.queue, channelName: endpoint });
        const command = renderLaunchCommand(this.hpc.launchTemplate, { command: pc.command, endpoint, instance: i, instances: this.hpc.instances });
        started.push(await a.launcher.launch({
          command, cwd, env: { ...a.env, ...pc.env },
          stdoutPath: join(cwd, this.hpc.stdoutName), stderrPath: join(cwd, this.hpc.stderrName),
          ...(job.userProxy ? { userProxy: job.userProxy } : {}),
        }));
      }
    } catch (err) {
      for (const p of started) p.kill('SIGKILL');
      await Promise.all(started.map((p) => p.exit));
      throw err instanceof PilotError ? err : new PilotError(ErrorCodes.PAYLOADEXECUTIONFAILURE, `cannot start payload instance ${started.length}: ${(err as Error).message}`, { cause: err });
    }
    return (this.group = new InstanceGroup(started, (end) => void this.instanceEnded(end), this.log));
  }

  /** Fails the ranges a dead instance held, once its last messages have been read. */
  private async instanceEnded({ instance, exit }: InstanceEnd): Promise<void> {
    // When the last one ends, RunJobEvent's own end-of-payload handling covers everything.
    if (!this.group || this.group.stillRunning === 0 || !this.channels || !this.p.engine) return;
    const others = this.group.stillRunning;
    const channels = this.channels;
    const engine = this.p.engine;
    const quietMs = this.hpc.settleMs;
    const until = Date.now() + Math.max(5000, quietMs * 10);
    while (Date.now() - channels.lastMessageFrom(instance) < quietMs && Date.now() < until) await sleep(quietMs);
    await engine.quiesce();
    const sent = channels.rangesSentTo(instance);
    const n = await engine.failInFlight(ErrorCodes.ESATHENAMPDIED, `payload instance ${instance} ended (${describeExit(exit)}) without reporting the range`, (id) => sent.has(id));
    if (n) this.log.warn(`payload instance ${instance} ended holding ${n} range(s): reported failed; the other ${others} instance(s) continue`);
  }
}
