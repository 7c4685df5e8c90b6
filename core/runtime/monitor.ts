/**
 * Heartbeats for a running job: `updateJob` with state `running` every interval (every
 * `debugIntervalMs` while the server's `debug` command is on, as pilot3), the server's
 * commands handed to the job control; each carries the resource monitor's fields and, in
 * debug mode, the tail of the payload's log (`stdout`). Timers are unref'd so they never
 * keep a pilot alive.
 */
import type { PandaApi } from '../contracts/panda-api.js';
import type { ResourceUsage } from '../contracts/run-job.js';
import type { Logger } from '../logging/logger.js';
import type { JobControlSource } from './job-control-source.js';
import { usageUpdateFields } from './monitors/job-monitors.js';

export interface MonitorOptions {
  readonly api: PandaApi;
  readonly control: JobControlSource;
  readonly log: Logger;
  readonly pandaId: string;
  readonly intervalMs: number;
  readonly coreCount: number;
  readonly node?: string;
  readonly siteName?: string;
  /** Between heartbeats in debug mode (pilot3 debug_heartbeat); default `intervalMs`. */
  readonly debugIntervalMs?: number;
  /** Progress for each heartbeat. */
  progress(): { nEvents: number; cpuConsumptionTime?: number };
  /** The payload tree's resource use so far (pilot3's memory fields, jobMetrics). */
  resources?(): ResourceUsage | undefined;
  /** The `stdout` of a debug-mode heartbeat, secrets already masked. */
  debugTail?(): string | undefined;
}

export class Monitor {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastBeat = Date.now();

  constructor(private readonly o: MonitorOptions) {}

  start(): void {
    const debugMs = this.o.debugIntervalMs ?? this.o.intervalMs;
    this.lastBeat = Date.now();
    this.timer = setInterval(() => {
      if (Date.now() - this.lastBeat >= (this.o.control.debugMode ? debugMs : this.o.intervalMs)) void this.beat();
    }, Math.min(this.o.intervalMs, debugMs));
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
    this.lastBeat = Date.now();
    const p = this.o.progress();
    const stdout = this.o.control.debugMode ? this.o.debugTail?.() : undefined;
    try {
      const commands = await this.o.api.updateJob({
        pandaId: this.o.pandaId,
        state: 'running',
        nEvents: p.nEvents,
        coreCount: this.o.coreCount,
        ...(p.cpuConsumptionTime !== undefined ? { cpuConsumptionTime: Math.round(p.cpuConsumptionTime) } : {}),
        ...(this.o.node ? { node: this.o.node } : {}),
        ...(this.o.siteName ? { siteName: this.o.siteName } : {}),
        ...usageUpdateFields(this.o.resources?.()),
        ...(stdout !== undefined ? { stdout } : {}),
      });
      this.o.control.applyServerCommands(commands, this.o.log);
    } catch (err) {
      this.o.log.warn(`heartbeat for job ${this.o.pandaId} failed: ${(err as Error).message}`);
    }
  }
}
