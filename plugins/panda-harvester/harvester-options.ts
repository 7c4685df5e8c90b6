/**
 * `pluginOptions.harvester`: where Harvester's access point is, what its files are called and
 * how long the pilot waits for Harvester. The file-name defaults are pilot3's
 * (`pilot/util/default.cfg` [Harvester], `[Pilot] pandajobdata`) where pilot3 has one, else
 * Harvester's (`panda_harvester.cfg` [payload_interaction]); every name is configurable because
 * the two disagree (pilot3 `kill_worker`, Harvester `kill_worker.json`).
 */
import { isAbsolute } from 'node:path';
import { ConfigError, FieldReader, type ConfigIssue } from '../../core/index.js';

export type HarvesterSubmitMode = 'PULL' | 'PUSH';

export interface HarvesterFileNames {
  /** The job Harvester places (pilot3 `pandajobdata`; Harvester's `jobSpecFile`). */
  readonly jobSpec: string;
  readonly jobRequest: string;
  readonly eventRequest: string;
  readonly eventRanges: string;
  readonly eventStatusDump: string;
  readonly workerAttributes: string;
  readonly jobReport: string;
  readonly killWorker: string;
  /** Harvester's own file (it writes it from the dump); the pilot never writes it. */
  readonly updateEvents: string;
}

export interface HarvesterOptions {
  /** `PUSH`: the job comes from Harvester's files and every report goes to files (this API). */
  readonly submitMode: HarvesterSubmitMode;
  /** Harvester's access point for this worker (pilot3 `--harvester-workdir`). */
  readonly workdir?: string;
  /** Where the job file is (pilot3 `--harvester-datadir`); default: the workdir. */
  readonly datadir?: string;
  readonly files: HarvesterFileNames;
  /** How long getJob waits for the job file (pilot3: 60 tries 1 s apart). */
  readonly jobWaitS: number;
  /** How long one getEventRanges waits for Harvester to feed ranges. */
  readonly eventRangesWaitS: number;
  /** Between looks at a file that is awaited. */
  readonly pollMs: number;
}

export const HARVESTER_FILE_DEFAULTS: HarvesterFileNames = Object.freeze({
  jobSpec: 'pandaJobData.out',
  jobRequest: 'worker_requestjob.json',
  eventRequest: 'worker_requestevents.json',
  eventRanges: 'JobsEventRanges.json',
  eventStatusDump: 'event_status.dump.json',
  workerAttributes: 'worker_attributes.json',
  jobReport: 'jobReport.json',
  killWorker: 'kill_worker',
  updateEvents: 'worker_updateevents.json',
});

/** @throws ConfigError naming each bad field. */
export function parseHarvesterOptions(raw: unknown): HarvesterOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const submitMode = r.oneOf('submitMode', ['PULL', 'PUSH'] as const, 'PULL');
  const workdir = dir(r, 'workdir');
  const datadir = dir(r, 'datadir');
  const f = r.object('files');
  const files = {} as Record<keyof HarvesterFileNames, string>;
  for (const [key, fallback] of Object.entries(HARVESTER_FILE_DEFAULTS) as [keyof HarvesterFileNames, string][]) {
    const name = f.string(key, fallback) ?? fallback;
    if (!name || name.includes('/') || name === '.' || name === '..') f.fail(key, 'a plain file name (no folder)');
    files[key] = name;
  }
  const seen = new Map<string, string>();
  for (const [key, name] of Object.entries(files)) {
    const other = seen.get(name);
    if (other) f.fail(key, `a name of its own (${JSON.stringify(name)} is also files.${other})`);
    seen.set(name, key);
  }
  const opts: HarvesterOptions = {
    submitMode,
    ...(workdir ? { workdir } : {}),
    ...(datadir ? { datadir } : {}),
    files: Object.freeze(files),
    jobWaitS: r.number('jobWaitS', { min: 0, max: 86_400 }, 60),
    eventRangesWaitS: r.number('eventRangesWaitS', { min: 0.01, max: 86_400 }, 900),
    pollMs: r.int('pollMs', { min: 1, max: 60_000 }, 1000) ?? 1000,
  };
  if (submitMode === 'PUSH' && !workdir) r.fail('workdir', 'Harvester\'s access point (--harvester-workdir or HARVESTER_WORKDIR) in PUSH mode');
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(opts);
}

function dir(r: FieldReader, key: string): string | undefined {
  const value = r.string(key);
  if (value !== undefined && !isAbsolute(value)) r.fail(key, 'an absolute path');
  return value || undefined;
}
