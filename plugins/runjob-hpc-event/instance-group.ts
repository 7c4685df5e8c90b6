/**
 * The M payload instances of an HPC ES job as one PayloadProcess for the supervisor: it
 * exits when the last instance has exited (with the first failing instance's status, not
 * counting instances the pilot stopped alone for having nothing left to do), and a kill
 * reaches every instance. Each instance's own end is reported through `onInstanceEnd`,
 * so its ranges can be failed while the others keep running.
 */
import { describeExit, type Logger, type PayloadExit, type PayloadProcess } from '../../core/index.js';

export interface InstanceEnd {
  readonly instance: number;
  readonly exit: PayloadExit;
}

export class InstanceGroup implements PayloadProcess {
  readonly exit: Promise<PayloadExit>;
  private readonly running = new Set<number>();
  private readonly stoppedAlone = new Set<number>();

  constructor(private readonly instances: readonly PayloadProcess[], onInstanceEnd: (end: InstanceEnd) => void, log: Logger) {
    instances.forEach((_, i) => this.running.add(i));
    this.exit = Promise.all(instances.map(async (p, i) => {
      const exit = await p.exit;
      this.running.delete(i);
      const ok = exit.code === 0;
      (ok ? log.info : log.warn).call(log, `payload instance ${i} (pid ${p.pid}) ended: ${describeExit(exit)}; ${this.running.size} still running`);
      onInstanceEnd({ instance: i, exit });
      return exit;
    })).then((exits) => exits.find((e, i) => e.code !== 0 && !this.stoppedAlone.has(i)) ?? exits.find((e, i) => !this.stoppedAlone.has(i)) ?? exits[0]!);
  }

  /** The first instance's pid (the group has no single pid). */
  get pid(): number {
    return this.instances[0]!.pid;
  }

  get stillRunning(): number {
    return this.running.size;
  }

  /** The instances that have not exited, in order. */
  runningInstances(): number[] {
    return [...this.running].sort((a, b) => a - b);
  }

  /** Stops one instance; its exit no longer decides the group's. */
  killInstance(instance: number, signal: NodeJS.Signals): void {
    this.stoppedAlone.add(instance);
    this.instances[instance]?.kill(signal);
  }

  kill(signal: NodeJS.Signals): void {
    for (const p of this.instances) p.kill(signal);
  }
}
