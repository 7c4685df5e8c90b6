/**
 * The task the embedded dispatcher serves, read from a JSON file (the format is documented
 * in index.ts), and where espilot is installed: `${ESPILOT_ROOT}` in the payload commands
 * is expanded to the package root when the task is loaded (the file is server-side
 * configuration, like a task definition in JEDI).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, FieldReader, deepFreeze, describeValue, parseChecksum, type ConfigIssue } from '../../core/index.js';

export interface TaskInputFile {
  readonly lfn: string;
  readonly guid: string;
  readonly events: number;
  /** The file's ID inside event range IDs; default its position (1-based). */
  readonly fileId: number;
  readonly scope?: string;
  readonly dataset?: string;
  readonly size?: number;
  /** `ad:<hex>` / `md5:<hex>`, as the job definition carries it. */
  readonly checksum?: string;
}

export interface TaskCommand {
  readonly transformation: string;
  /** May use {outputLFN} {taskId} {pandaId} {jobsetId} {coreCount} {inputFiles} {serial}. */
  readonly jobPars: string;
}

export interface TaskSpec {
  readonly taskId: number;
  readonly eventService: boolean;
  readonly prodSourceLabel: string;
  readonly processingType: string;
  readonly coreCount: number;
  /** ES consumer jobs created when the task starts (more are made when ranges are retried). */
  readonly consumers: number;
  readonly eventsPerRange: number;
  /** Attempts of each range (and of a merge job); JEDI's maxAttempt. */
  readonly maxAttempts: number;
  readonly scope: string;
  readonly inputFiles: readonly TaskInputFile[];
  readonly output: { readonly lfn: string; readonly log: string; readonly dataset: string; readonly logDataset: string };
  readonly payload: TaskCommand;
  /** The ES merge transform; required for Event Service tasks. */
  readonly merge?: TaskCommand;
  /** Extra job definition fields sent as they are (swRelease, cmtConfig, destinationSE, ...). */
  readonly job: Readonly<Record<string, string>>;
  /** First PandaID handed out; jobset IDs come from the same counter. */
  readonly firstPandaId: number;
}

/** Reads and validates a task file. @throws ConfigError naming every bad field. */
export function loadTaskFile(path: string, packageRoot: string): TaskSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: 'task', expected: 'a readable JSON task file', got: `${path}: ${(err as Error).message}` }], undefined, 'invalid task');
  }
  return parseTask(raw, packageRoot);
}

/** Validates a task given as a JSON value. @throws ConfigError naming every bad field. */
export function parseTask(raw: unknown, packageRoot: string): TaskSpec {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('task', raw, issues);
  const eventService = r.bool('eventService', true);
  const scope = r.string('scope', 'espilot');
  const inputs = Array.isArray(r.raw('inputFiles')) ? (r.raw('inputFiles') as unknown[]) : [];
  if (inputs.length === 0) r.fail('inputFiles', 'a non-empty list of {lfn, guid, events}');
  const inputFiles = inputs.map((entry, i) => inputFile(FieldReader.of(`task.inputFiles[${i}]`, entry, issues), i, scope));
  const ids = new Set<number>();
  inputFiles.forEach((f, i) => {
    if (ids.has(f.fileId)) issues.push({ path: `task.inputFiles[${i}].fileId`, expected: 'a fileId not used by another input', got: String(f.fileId) });
    ids.add(f.fileId);
  });
  const out = r.object('output');
  const taskId = r.int('taskId', { min: 1 }, 1);
  const spec: TaskSpec = {
    taskId,
    eventService,
    prodSourceLabel: r.string('prodSourceLabel', 'managed'),
    processingType: r.string('processingType', eventService ? 'eventservice' : 'simul'),
    coreCount: r.int('coreCount', { min: 1, max: 1024 }, 1),
    consumers: r.int('consumers', { min: 1, max: 1000 }, 1),
    eventsPerRange: r.int('eventsPerRange', { min: 1 }, 1),
    maxAttempts: r.int('maxAttempts', { min: 1, max: 100 }, 3),
    scope,
    inputFiles,
    output: {
      lfn: out.string('lfn', 'HITS.{taskId}._{serial}.pool.root.1'),
      log: out.string('log', 'log.{taskId}._{pandaId}.job.log.tgz'),
      dataset: out.string('dataset', `${scope}.{taskId}.out`),
      logDataset: out.string('logDataset', `${scope}.{taskId}.log`),
    },
    payload: command(r.object('payload'), packageRoot),
    ...(r.has('merge') || eventService ? { merge: command(r.object('merge'), packageRoot) } : {}),
    job: extraFields(r.object('job')),
    firstPandaId: r.int('firstPandaId', { min: 1 }, taskId * 1000 + 1),
  };
  if (issues.length) throw new ConfigError(issues, undefined, 'invalid task');
  return deepFreeze(spec);
}

function inputFile(r: FieldReader, i: number, scope: string): TaskInputFile {
  const checksum = r.string('checksum');
  if (checksum !== undefined) {
    try {
      parseChecksum(checksum);
    } catch {
      r.fail('checksum', 'ad:<adler32 hex> or md5:<md5 hex>');
    }
  }
  const size = r.int('size', { min: 0 });
  const dataset = r.string('dataset');
  return {
    lfn: r.requiredString('lfn', 'the input file LFN'),
    guid: r.requiredString('guid', 'the input file GUID'),
    events: r.has('events') ? r.int('events', { min: 1 }, 1) : (r.fail('events', 'the number of events (an integer ≥ 1)'), 1),
    fileId: r.int('fileId', { min: 1 }, i + 1),
    scope: r.string('scope', scope),
    ...(dataset ? { dataset } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(checksum ? { checksum } : {}),
  };
}

function command(r: FieldReader, packageRoot: string): TaskCommand {
  const expand = (s: string): string => s.split('${ESPILOT_ROOT}').join(packageRoot);
  return {
    transformation: expand(r.requiredString('transformation', 'the transformation (e.g. node)')),
    jobPars: expand(r.string('jobPars', '')),
  };
}

function extraFields(r: FieldReader): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of r.keys()) {
    const v = r.raw(key);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
    else r.issues.push({ path: r.at(key), expected: 'a string, number or boolean', got: describeValue(v) });
  }
  return out;
}

/** The package root, found by walking up from this module (works from `dist/` and from sources). */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'espilot') return dir;
      } catch { /* not ours; keep looking */ }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the espilot package root above ${from}`);
  }
}

/** The built-in demo task (`config/demo-task.json`). */
export function demoTaskPath(root: string = packageRoot()): string {
  return join(root, 'config', 'demo-task.json');
}
