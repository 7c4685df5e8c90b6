/**
 * pilot3's looping-job rule (pilot/util/loopingjob.py): a running payload that touched no
 * file in its work directory for the looping limit is looping. The limit is pilot3's
 * `looping_limit_default` (2 h, never below `looping_limit_min_default`, 2 h), raised to the
 * job's `maxCpuCount` when that is longer (pilot3 2018–2021, until it dropped maxCpuCount:
 * a task that declares hours of CPU per event must not be cut at 2 h). The pilot's own
 * files in the directory do not count.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { JobDefinition } from '../../contracts/job-definition.js';

export interface LoopingSettings {
  /** pilot3 looping_limit_default. */
  readonly limitS: number;
}

export function loopingLimitS(job: Pick<JobDefinition, 'maxCpuCount'>, s: LoopingSettings): number {
  return Math.max(s.limitS, job.maxCpuCount ?? 0);
}

/** Newest mtime (ms) of a file under `dir` whose name `ignore` does not match; 0 when none. */
export function newestFileTouch(dir: string, ignore: (name: string) => boolean, maxEntries = 100_000): number {
  let newest = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length && seen < maxEntries) {
    const d = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (++seen > maxEntries) break;
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && !ignore(e.name)) {
        try {
          newest = Math.max(newest, statSync(p).mtimeMs);
        } catch {
          // removed meanwhile
        }
      }
    }
  }
  return newest;
}
