/**
 * What the demo shows while it runs, read from the embedded dispatcher's counts: on a
 * terminal a progress bar redrawn in place; otherwise one plain line per event (a job
 * starting or ending, each quarter of the ranges done). Each tick reads `counts()`, never
 * `snapshot()`: a copy of a 100k-range state took seconds, every 200 ms.
 */
import type { DispatcherCounts, DispatcherHandle, JobRecord } from '../../plugins/panda-local/index.js';

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const KIND: Record<JobRecord['kind'], string> = { es: 'ES job', merge: 'merge job', normal: 'job' };
const ACTIVE = new Set(['sent', 'starting', 'running', 'holding', 'transferring']);

/** Polls the dispatcher while the demo runs and shows progress (see the module comment). */
export class DemoProgress {
  private timer: NodeJS.Timeout | undefined;
  private readonly jobStatus = new Map<string, string>();
  private quarter = 0;
  private drawn = false;
  private bar = '';
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(private readonly out: ProgressOutput, private readonly dispatcher: Pick<DispatcherHandle, 'counts'>, opts: { bars: boolean }) {
    this.tty = opts.bars && Boolean(out.isTTY);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.tty ? 100 : 200);
    this.timer.unref();
  }

  /** Final update, then the bar is cleared so that what follows starts on a clean line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.tick();
    this.clear();
  }

  /** Runs `write` with the bar out of the way (log lines on the same terminal), then puts the bar back. */
  aside(write: () => void): void {
    const had = this.drawn;
    this.clear();
    write();
    if (had && this.timer) {
      this.out.write(this.bar);
      this.drawn = true;
    }
  }

  private tick(): void {
    let snap: DispatcherCounts;
    try {
      snap = this.dispatcher.counts();
    } catch {
      return;
    }
    const lines = this.events(snap);
    if (this.tty) {
      this.clear();
      for (const l of lines) this.out.write(`${l}\n`);
      if (this.timer) this.draw(snap);
    } else {
      for (const l of lines) this.out.write(`${l}\n`);
    }
  }

  /** Job starts and ends, and each quarter of the ranges done, since the last tick. */
  private events(snap: DispatcherCounts): string[] {
    const out: string[] = [];
    for (const j of snap.jobs) {
      const before = this.jobStatus.get(j.pandaId);
      const now = j.status;
      if (before === now) continue;
      this.jobStatus.set(j.pandaId, now);
      const name = `${KIND[j.kind]} ${j.pandaId}${j.attemptNr > 1 ? ` (attempt ${j.attemptNr})` : ''}`;
      if (ACTIVE.has(now) && (before === undefined || !ACTIVE.has(before))) out.push(`▶ ${name} started`);
      else if (now === 'finished' || now === 'failed' || now === 'closed' || now === 'cancelled') {
        out.push(`■ ${name} ${now}${j.closeReason ? `: ${j.closeReason}` : j.pilotErrorDiag ? `: ${j.pilotErrorDiag}` : ''}`);
      }
    }
    const { done, total } = rangeCounts(snap);
    const q = total ? Math.floor((done / total) * 4) : 0;
    if (!this.tty && q > this.quarter) {
      this.quarter = q;
      out.push(`  ranges done: ${done}/${total}`);
    }
    return out;
  }

  private draw(snap: DispatcherCounts): void {
    const { done, total, failed } = rangeCounts(snap);
    const active = snap.jobs.find((j) => ACTIVE.has(j.status));
    const label = active ? `${KIND[active.kind]} ${active.pandaId}` : snap.task.status;
    const secs = (Date.now() - this.started) / 1000;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 60));
    const fill = total ? Math.round((done / total) * width) : 0;
    const bar = `${'█'.repeat(fill)}${'░'.repeat(width - fill)}`;
    this.bar = `${label.padEnd(16)} ${bar} ${done}/${total} ranges${failed ? `, ${failed} failed attempt(s)` : ''}  ${secs.toFixed(1)} s`;
    this.out.write(this.bar);
    this.drawn = true;
  }

  private clear(): void {
    if (!this.drawn) return;
    this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** Ranges finished (done), and failed attempts so far, from the dispatcher's counts. */
export function rangeCounts(c: DispatcherCounts): { done: number; total: number; failed: number } {
  return { done: c.task.counts.finished + c.task.counts.done, total: c.ranges, failed: c.failedAttempts };
}
