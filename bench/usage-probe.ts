/**
 * Preloaded into a measured process (`node --import <this> ...`): when the process exits it
 * writes its own resource usage (CPU times, peak RSS) as JSON to `$ESPILOT_USAGE_FILE`. The
 * kernel's counters are exact where sampling /proc from outside would miss the last moments.
 * With `$ESPILOT_USAGE_SAMPLE_MS` it also records memory every that many milliseconds (to
 * see when the peak happens and what holds it).
 */
import { writeFileSync } from 'node:fs';

/** One memory sample (bytes), `t` in ms since the process started. */
export interface MemorySample {
  readonly t: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** What the probe writes. CPU in microseconds, `maxRSS` in KiB (getrusage units). */
export interface ProcessUsage {
  readonly userCPUTime: number;
  readonly systemCPUTime: number;
  readonly maxRSS: number;
  readonly samples?: readonly MemorySample[];
}

const target = process.env['ESPILOT_USAGE_FILE'];
if (target) {
  const every = Number(process.env['ESPILOT_USAGE_SAMPLE_MS'] ?? 0);
  const samples: MemorySample[] = [];
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ t: Math.round(performance.now()), rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
  };
  if (every > 0) setInterval(sample, every).unref();
  process.on('exit', () => {
    const u = process.resourceUsage();
    if (every > 0) sample();
    const usage: ProcessUsage = { userCPUTime: u.userCPUTime, systemCPUTime: u.systemCPUTime, maxRSS: u.maxRSS, ...(every > 0 ? { samples } : {}) };
    writeFileSync(target, JSON.stringify(usage));
  });
}
