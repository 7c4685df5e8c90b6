/**
 * The outputs awaiting stage-out (reported by the payload, not yet stored or failed), bounded
 * by count and bytes: at the bound the engine hands out no range until stage-out catches up,
 * so a payload faster than its storage fills neither the disk nor the journal with outputs
 * nobody can keep (issue 16: in a 10k run stage-out finished 7.5 min after the payload).
 *
 * The count bound holds the ranges in the payload's hands too (each is an output to come), so
 * the outputs awaiting stage-out never exceed it; bytes are known only once an output is
 * reported, so that bound is exceeded by at most the outputs of the ranges in flight. Once at
 * the bound, ranges are handed out again when the load is down to three quarters of it (no
 * flapping at steady state). Each episode is logged once when it starts and once when it
 * ends, and reported to `onEpisode` (journaled: the report's timeline shows it).
 */
import type { Logger } from '../logging/logger.js';

export interface BacklogLimits {
  /** Ranges in flight plus ranges whose outputs await stage-out. */
  readonly maxRanges: number;
  /** Bytes of the outputs awaiting stage-out. */
  readonly maxBytes: number;
}

export interface BacklogEpisode {
  readonly full: boolean;
  readonly ranges: number;
  readonly bytes: number;
}

export class StageOutBacklog {
  private readonly sizes = new Map<string, number>();
  private bytes = 0;
  private since = 0;
  /** Episodes so far; the most outputs (ranges, bytes) awaiting stage-out at once. */
  readonly stats = { episodes: 0, peakRanges: 0, peakBytes: 0 };
  full = false;

  /** @param load ranges handed to the payload without a report yet, plus outputs not yet stored or decided (the tracker's counts, exact at every moment). */
  constructor(
    private readonly limits: BacklogLimits, private readonly load: () => number,
    private readonly log: Logger, private readonly onEpisode?: (e: BacklogEpisode) => void,
  ) {}

  /** Outputs awaiting stage-out. */
  get ranges(): number {
    return this.sizes.size;
  }

  /** An upload was handed to the stage-out. */
  add(rangeId: string, bytes: number): void {
    if (this.sizes.has(rangeId)) return;
    this.sizes.set(rangeId, bytes);
    this.bytes += bytes;
    this.stats.peakRanges = Math.max(this.stats.peakRanges, this.sizes.size);
    this.stats.peakBytes = Math.max(this.stats.peakBytes, this.bytes);
  }

  /** Its upload ended (stored or failed). */
  remove(rangeId: string): void {
    const b = this.sizes.get(rangeId);
    if (b === undefined) return;
    this.sizes.delete(rangeId);
    this.bytes -= b;
  }

  /** May one more range be handed out? Starts or ends an episode as the load crosses the marks. */
  admit(): boolean {
    const load = this.load();
    const { maxRanges, maxBytes } = this.limits;
    if (this.full) {
      if (load > Math.floor((maxRanges * 3) / 4) || this.bytes > (maxBytes * 3) / 4) return false;
      this.full = false;
      this.log.info(`stage-out backlog down to ${this.sizes.size} output(s), ${this.bytes} bytes after ${((Date.now() - this.since) / 1000).toFixed(1)} s: handing out ranges again`);
      this.onEpisode?.({ full: false, ranges: this.sizes.size, bytes: this.bytes });
      return true;
    }
    if (load < maxRanges && this.bytes < maxBytes) return true;
    this.full = true;
    this.since = Date.now();
    this.stats.episodes++;
    this.log.warn(`stage-out backlog at its bound (${this.sizes.size} output(s), ${this.bytes} bytes awaiting upload, ${load} range(s) in flight or awaiting upload; limits ${maxRanges} ranges, ${maxBytes} bytes): no more ranges handed out until it drains`);
    this.onEpisode?.({ full: true, ranges: this.sizes.size, bytes: this.bytes });
    return false;
  }
}
