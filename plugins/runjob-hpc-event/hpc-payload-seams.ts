/**
 * RunJob `hpc-event`'s seams on the core's ES runner: M payload instances instead of one.
 * Each instance gets its own TCP channel (`tcp://<host>:<port>`, yampl's DISTRIBUTED form) and
 * its own directory `instance-<i>/` under the work directory, and is started by the launch
 * template through the run's launcher. The engine serves all channels as one; when an
 * instance ends while others still run, the ranges it held are failed (ESATHENAMPDIED 1227)
 * and the others carry on. Journal, reporter, stage-out, outcome and recovery are the core's.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCodes, PayloadChannel, PilotError, describeExit, sleep, type EsPayloadSeams, type LaunchParts, type LaunchedPayload, type Logger,
  type PayloadChannel as Channel, type PayloadProcess, type PilotSettings, type PluginResolver, type RunJobContext,
} from '../../core/index.js';
import { InstanceChannels } from './instance-channels.js';
import { InstanceGroup, type InstanceEnd } from './instance-group.js';
import { renderLaunchCommand } from './launch-template.js';
import { readBatchAllocation } from './batch-allocation.js';
import { instanceCount, instanceJob, instanceJobNumber, instanceNode } from './instance-placement.js';
import type { BatchAllocation } from './batch-allocation.js';
import type { HpcEventOptions } from './hpc-event-options.js';

export class HpcPayloadSeams implements EsPayloadSeams {
  private channels: InstanceChannels | undefined;
  private readonly endpoints: string[] = [];
  private group: InstanceGroup | undefined;
  private engine: LaunchParts['engine'] | undefined;
  private count = 0;
  private allocation: BatchAllocation | undefined;

  constructor(
    private readonly settings: PilotSettings,
    private readonly resolver: PluginResolver,
    private readonly hpc: HpcEventOptions,
    private readonly ctx: RunJobContext,
    private readonly log: Logger,
  ) {}

  /** One TCP channel per instance; all are closed again if one cannot be bound. */
  async openChannel(): Promise<Channel> {
    const opened: Channel[] = [];
    const allocation = (this.allocation = readBatchAllocation(process.env));
    this.count = instanceCount(this.hpc, allocation);
    if (allocation) this.log.info(`in Slurm job ${allocation.jobId} (${allocation.nodes} node(s) ${allocation.nodeList})`);
    if (this.hpc.basePort > 0 && this.hpc.basePort + this.count - 1 > 65535) {
      throw new PilotError(ErrorCodes.BADQUEUECONFIGURATION, `pluginOptions.hpc-event.basePort: expected a port that leaves room for ${this.count} instances, found ${this.hpc.basePort}`, { recoverable: false });
    }
    const host = this.hpc.advertiseHost || hostname();
    try {
      for (let i = 0; i < this.count; i++) {
        const ch = this.resolver.create<Channel>(PayloadChannel, this.settings.pilot.channel);
        opened.push(ch);
        const bound = await ch.open({ kind: 'tcp', host: this.hpc.bindHost, port: this.hpc.basePort ? this.hpc.basePort + i : 0 });
        this.endpoints.push(`tcp://${host}:${/:(\d+)$/.exec(bound)?.[1] ?? ''}`);
      }
    } catch (err) {
      await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
      throw err;
    }
    this.log.info(`serving ${this.count} payload instance(s) at ${this.endpoints.join(' ')}`);
    return (this.channels = new InstanceChannels(opened));
  }

  /** Starts every instance; if one cannot be started, those already running are killed. */
  async launch(a: LaunchParts): Promise<LaunchedPayload> {
    const { job, workdir } = this.ctx;
    this.engine = a.engine;
    const started: PayloadProcess[] = [];
    const groups: Array<{ pid: number; cwd: string }> = [];
    try {
      for (let i = 0; i < this.count; i++) {
        const cwd = join(workdir, `instance-${i}`);
        await mkdir(cwd, { recursive: true });
        const endpoint = this.endpoints[i]!;
        const jobNumber = instanceJobNumber(job.attemptNr, this.count, i);
        const pc = await a.experiment.payloadCommand(instanceJob(job, this.hpc, this.count, i), { workdir: cwd, queue: this.settings.queue, channelName: endpoint, inputPaths: a.inputPaths });
        const command = renderLaunchCommand(this.hpc.launchTemplate, { command: pc.command, endpoint, instance: i, instances: this.count, cores: this.hpc.coresPerInstance ?? job.coreCount, node: instanceNode(this.hpc, this.allocation, i), jobNumber });
        const proc = await a.launcher.launch({
          command, cwd, env: { ...a.env, ...pc.env, ESPILOT_INSTANCE: String(i), ESPILOT_INSTANCES: String(this.count) },
          stdoutPath: join(cwd, this.hpc.stdoutName), stderrPath: join(cwd, this.hpc.stderrName),
          ...(job.userProxy ? { userProxy: job.userProxy } : {}),
        });
        started.push(proc);
        groups.push({ pid: proc.pid, cwd });
      }
    } catch (err) {
      for (const p of started) p.kill('SIGKILL');
      await Promise.all(started.map((p) => p.exit));
      throw err instanceof PilotError ? err : new PilotError(ErrorCodes.PAYLOADEXECUTIONFAILURE, `cannot start payload instance ${started.length}: ${(err as Error).message}`, { cause: err });
    }
    this.group = new InstanceGroup(started, (end) => void this.instanceEnded(end), this.log);
    return { process: this.group, groups };
  }

  /**
   * Fails the ranges a dead instance held, once its last messages have been read. Once the
   * payload has been told `No more events` (the task is done or the pilot drains), instances
   * that never connected are stopped: there is nothing left for them, and the job would
   * otherwise wait the whole payload grace for a step that is not coming.
   */
  private async instanceEnded({ instance, exit }: InstanceEnd): Promise<void> {
    // When the last one ends, the runner's own end-of-payload handling covers everything.
    if (!this.group || this.group.stillRunning === 0 || !this.channels || !this.engine) return;
    const others = this.group.stillRunning;
    const channels = this.channels;
    const engine = this.engine;
    const group = this.group;
    const silent = group.runningInstances();
    if (engine.counters.noMoreEvents > 0 && silent.every((i) => !channels.hasSpoken(i))) {
      this.log.warn(`payload instance(s) ${silent.join(', ')} never connected and there are no more events for them: stopping them`);
      for (const i of silent) group.killInstance(i, 'SIGTERM');
    }
    const quietMs = this.hpc.settleMs;
    const until = Date.now() + Math.max(5000, quietMs * 10);
    while (Date.now() - channels.lastMessageFrom(instance) < quietMs && Date.now() < until) await sleep(quietMs);
    await engine.quiesce();
    const sent = channels.rangesSentTo(instance);
    const n = await engine.failInFlight(ErrorCodes.ESATHENAMPDIED, `payload instance ${instance} ended (${describeExit(exit)}) without reporting the range`, (id) => sent.has(id));
    if (n) this.log.warn(`payload instance ${instance} ended holding ${n} range(s): reported failed; the other ${others} instance(s) continue`);
  }
}
