/**
 * The resource monitor's time series: each sample appended to `memory_monitor_output.txt`
 * in prmon's tab-separated layout (the name pilot3 reads), and the summary pilot3 sends in
 * updateJob (`get_memory_monitor_info`, prmon branch): maxRSS … avgSWAP in kB, totRCHAR …
 * in bytes, rateRCHAR … in bytes per second.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessTreeSample } from './process-tree-sample.js';

export const RESOURCE_SERIES_FILE = 'memory_monitor_output.txt';

const COLUMNS = ['Time', 'nprocs', 'nthreads', 'pss', 'rchar', 'read_bytes', 'rss', 'stime', 'swap', 'utime', 'vmem', 'wchar', 'write_bytes', 'wtime'] as const;

/** pilot3's updateJob memory and I/O fields. */
export type ResourceFields = Readonly<Record<string, number>>;

export class ResourceSeries {
  private n = 0;
  private first: ProcessTreeSample | undefined;
  private last: ProcessTreeSample | undefined;
  private readonly max = { rss: 0, pss: 0, vmem: 0, swap: 0, rchar: 0, wchar: 0, read_bytes: 0, write_bytes: 0, cpu: 0 };
  private readonly sum = { rss: 0, pss: 0, vmem: 0, swap: 0 };
  /** Least-squares sums of PSS over time, for pilot3's `leak` job metric. */
  private readonly fit = { t: 0, y: 0, tt: 0, ty: 0 };
  private readonly path: string | undefined;

  /** `dir` undefined: keep the summary only. */
  constructor(dir: string | undefined) {
    this.path = dir === undefined ? undefined : join(dir, RESOURCE_SERIES_FILE);
    if (this.path) this.write(`${COLUMNS.join('\t')}\n`);
  }

  add(s: ProcessTreeSample): void {
    if (s.nprocs === 0) return;
    this.first ??= s;
    this.last = s;
    this.n++;
    for (const k of ['rss', 'pss', 'vmem', 'swap'] as const) {
      this.sum[k] += s[k];
      this.max[k] = Math.max(this.max[k], s[k]);
    }
    for (const k of ['rchar', 'wchar', 'read_bytes', 'write_bytes'] as const) this.max[k] = Math.max(this.max[k], s[k]);
    this.max.cpu = Math.max(this.max.cpu, s.utime + s.stime);
    const t = s.time - this.first.time;
    this.fit.t += t; this.fit.y += s.pss; this.fit.tt += t * t; this.fit.ty += t * s.pss;
    const wtime = s.time - this.first.time;
    if (this.path) this.write(`${COLUMNS.map((c) => (c === 'Time' ? s.time : c === 'wtime' ? wtime : s[c])).join('\t')}\n`);
  }

  /** The most CPU seconds the tree was seen to have used. */
  get cpuSeconds(): number {
    return this.max.cpu;
  }

  get latest(): ProcessTreeSample | undefined {
    return this.last;
  }

  /** Empty until the first sample with a live process. */
  fields(): ResourceFields {
    if (!this.n || !this.first || !this.last) return {};
    const avg = (k: keyof typeof this.sum) => Math.round(this.sum[k] / this.n);
    const seconds = Math.max(1, this.last.time - this.first.time);
    const rate = (k: 'rchar' | 'wchar' | 'read_bytes' | 'write_bytes') => Math.round(this.max[k] / seconds);
    return Object.freeze({
      maxRSS: this.max.rss, maxPSS: this.max.pss, maxVMEM: this.max.vmem, maxSWAP: this.max.swap,
      avgRSS: avg('rss'), avgPSS: avg('pss'), avgVMEM: avg('vmem'), avgSWAP: avg('swap'),
      totRCHAR: this.max.rchar, totWCHAR: this.max.wchar, totRBYTES: this.max.read_bytes, totWBYTES: this.max.write_bytes,
      rateRCHAR: rate('rchar'), rateWCHAR: rate('wchar'), rateRBYTES: rate('read_bytes'), rateWBYTES: rate('write_bytes'),
    });
  }

  /**
   * pilot3's job metrics from the memory monitor: `actualCoreCount` (CPU seconds per wall
   * second) and `leak` (PSS slope in kB/s, from two samples on).
   */
  jobMetrics(): string {
    if (!this.first || !this.last) return '';
    const wall = this.last.time - this.first.time;
    const parts: string[] = [];
    if (wall > 0) parts.push(`actualCoreCount=${(this.max.cpu / wall).toFixed(2)}`);
    const d = this.n * this.fit.tt - this.fit.t * this.fit.t;
    if (this.n >= 2 && d > 0) parts.push(`leak=${((this.n * this.fit.ty - this.fit.t * this.fit.y) / d).toFixed(2)}`);
    return parts.join(' ');
  }

  private write(line: string): void {
    try {
      appendFileSync(this.path!, line);
    } catch {
      // The series is for people; a full disk must not stop the monitor.
    }
  }
}
