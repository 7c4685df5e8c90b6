/**
 * Heartbeats for a running job: `updateJob` with state `running` every interval (every
 * `debugIntervalMs` while the server's `debug` command is on, as pilot3), the server's
 * commands handed to the job control; each carries the resource monitor's fields and, in
 * debug mode, the tail of the payload's log (`stdout`), and who sends it (pilotID, batchID). Timers are unref'd so they never
 * keep a pilot alive.
 *
 * Lost heartbeat (pilot3 `last_heartbeat` check): when no heartbeat has been acknowledged for
 * `lostHeartbeatMs`, the server has declared the job lost and will refuse its final state.
 * The payload is killed (EXCEEDEDMAXWAITTIME, as pilot3's ExceededMaxWaitTime) and `lost`
 * is set: the job runner then keeps the outputs and sends no final update.
 */
import type { PandaApi } from '../contracts/panda-api.js';
import type { ResourceUsage } from '../contracts/run-job.js';
import type { Logger } from '../logging/logger.js';
import { ErrorCodes } from '../errors/error-codes.js';
import type { JobControlSource } from './job-control-source.js';
import type { PilotIdentity } from './pilot-identity.js';
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
  /** pilotID / batchID / schedulerID, sent with every heartbeat as pilot3 does (`get_data_structure`). */
  readonly identity?: PilotIdentity;
  /** No acknowledged heartbeat for this long: the job is lost (pilot3 `lost_heartbeat`). */
  readonly lostHeartbeatMs: number;
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
  private lastAck = Date.now();
  private lostSince: number | undefined;

  constructor(private readonly o: MonitorOptions) {}

  /** The server has (by now) declared the job lost: no heartbeat was acknowledged for the window. */
  get lost(): boolean {
    return this.lostSince !== undefined;
  }

  /** Starts the heartbeats; the lost-heartbeat window counts from now (or from the last acknowledged beat). */
  start(): void {
    const debugMs = this.o.debugIntervalMs ?? this.o.intervalMs;
    this.lastBeat = Date.now();
    this.timer = setInterval(() => {
      if (this.checkLost()) return;
      if (Date.now() - this.lastBeat >= (this.o.control.debugMode ? debugMs : this.o.intervalMs)) void this.beat();
    }, Math.min(this.o.intervalMs, debugMs, this.o.lostHeartbeatMs));
    this.timer.unref();
  }

  /** Declares the job lost once the window has passed without an acknowledged heartbeat. */
  private checkLost(): boolean {
    if (this.lostSince !== undefined) return true;
    const silent = Date.now() - this.lastAck;
    if (silent < this.o.lostHeartbeatMs) return false;
    this.lostSince = Date.now();
    const why = `no heartbeat acknowledged by the server for ${(silent / 1000).toFixed(1)} s (lostHeartbeatS ${this.o.lostHeartbeatMs / 1000} s): the server has declared the job lost`;
    this.o.log.error(`job ${this.o.pandaId}: ${why}; killing the payload, keeping its outputs, no final update`);
    this.o.control.requestKill(ErrorCodes.EXCEEDEDMAXWAITTIME, why);
    return true;
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
        ...(this.o.identity ? { pilotId: this.o.identity.pilotId, schedulerId: this.o.identity.schedulerId } : {}),
        ...(this.o.identity?.batchId !== undefined ? { batchId: this.o.identity.batchId } : {}),
        ...usageUpdateFields(this.o.resources?.()),
        ...(stdout !== undefined ? { stdout } : {}),
      });
      if (this.lostSince === undefined) this.lastAck = Date.now();
      this.o.control.applyServerCommands(commands, this.o.log);
    } catch (err) {
      this.o.log.warn(`heartbeat for job ${this.o.pandaId} failed: ${(err as Error).message}`);
    }
  }
}
