/**
 * Preloaded into a measured process (`node --import <this> ...`): when the process exits it
 * writes its own resource usage (CPU times, peak RSS) as JSON to `$ESPILOT_USAGE_FILE`. The
 * kernel's counters are exact where sampling /proc from outside would miss the last moments.
 */
import { writeFileSync } from 'node:fs';

/** What the probe writes. CPU in microseconds, `maxRSS` in KiB (getrusage units). */
export interface ProcessUsage {
  readonly userCPUTime: number;
  readonly systemCPUTime: number;
  readonly maxRSS: number;
}

const target = process.env['ESPILOT_USAGE_FILE'];
if (target) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const usage: ProcessUsage = { userCPUTime: u.userCPUTime, systemCPUTime: u.systemCPUTime, maxRSS: u.maxRSS };
    writeFileSync(target, JSON.stringify(usage));
  });
}
