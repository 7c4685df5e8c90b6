/**
 * Heartbeats for a running job: `updateJob` with state `running` every interval, the server's
 * commands handed to the job control. Timers are unref'd so they never keep a pilot alive.
 */
import type { PandaApi } from '../contracts/panda-api.js';
import type { Logger } from '../logging/logger.js';
import type { JobControlSource } from './job-control-source.js';

export interface MonitorOptions {
  readonly api: PandaApi;
  readonly control: JobControlSource;
  readonly log: Logger;
  readonly pandaId: string;
  readonly intervalMs: number;
  readonly coreCount: number;
  readonly node?: string;
  readonly siteName?: string;
  /** Progress for each heartbeat. */
  progress(): { nEvents: number; cpuConsumptionTime?: number };
}

export class Monitor {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly o: MonitorOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.o.intervalMs);
    this.timer.unref();
  }

  /** Sends one heartbeat now (also used for the first `running` update). Never throws. */
  beat(): Promise<void> {
    this.inFlight ??= this.send().finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async send(): Promise<void> {
    const p = this.o.progress();
    try {
      const commands = await this.o.api.updateJob({
        pandaId: this.o.pandaId,
        state: 'running',
        nEvents: p.nEvents,
        coreCount: this.o.coreCount,
        ...(p.cpuConsumptionTime !== undefined ? { cpuConsumptionTime: Math.round(p.cpuConsumptionTime) } : {}),
        ...(this.o.node ? { node: this.o.node } : {}),
        ...(this.o.siteName ? { siteName: this.o.siteName } : {}),
      });
      this.o.control.applyServerCommands(commands, this.o.log);
    } catch (err) {
      this.o.log.warn(`heartbeat for job ${this.o.pandaId} failed: ${(err as Error).message}`);
    }
  }
}
