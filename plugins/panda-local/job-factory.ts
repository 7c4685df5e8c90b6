/**
 * Job definitions as the PanDA server's getJob writes them (reference/pilot-anchors.md
 * §1.3): every value a string, per-file values as parallel comma lists, `outFiles`
 * including the log, ES flags as `True`. The merge job lists the registered
 * `<outputLFN>.<eventRangeID>` of every done range in `writeToFile`, as panda-server builds
 * it from the ES job's events.
 */
import { createHash } from 'node:crypto';
import type { TaskCommand, TaskInputFile, TaskSpec } from './task-spec.js';

export interface JobIdentity {
  readonly pandaId: string;
  readonly jobsetId: string;
  readonly attemptNr: number;
  /** 1-based number used in output names (`{serial}`): the jobset for ES, the file for normal jobs. */
  readonly serial: number;
}

/** `HITS.{taskId}._{serial}.pool.root.1` → the name for one job. */
export function expandPattern(pattern: string, task: TaskSpec, id: JobIdentity, extra: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    taskId: String(task.taskId), pandaId: id.pandaId, jobsetId: id.jobsetId, coreCount: String(task.coreCount),
    serial: String(id.serial).padStart(6, '0'), ...extra,
  };
  return pattern.replace(/\{(\w+)\}/g, (m, name: string) => values[name] ?? m);
}

/** A GUID derived from a name, so that replaying the journal rebuilds identical jobs. */
export function stableGuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The output LFN of the ES jobset (shared by all its consumers and the merge job). */
export function outputLfnOf(task: TaskSpec, jobsetId: string, serial = 1): string {
  return expandPattern(task.output.lfn, task, { pandaId: jobsetId, jobsetId, attemptNr: 0, serial });
}

/** An Event Service consumer job over all input files of the task. */
export function esJobDefinition(task: TaskSpec, id: JobIdentity): Record<string, string> {
  const outputLfn = outputLfnOf(task, id.jobsetId, id.serial);
  return {
    ...baseFields(task, id, task.payload, outputLfn, inputColumns(task.inputFiles), task.coreCount),
    eventService: 'True',
    prodDBlockTokenForOutput: 'NULL',
  };
}

/** A normal (non-ES) job over one input file. */
export function normalJobDefinition(task: TaskSpec, id: JobIdentity, input: TaskInputFile): Record<string, string> {
  const outputLfn = expandPattern(task.output.lfn, task, id);
  return baseFields(task, id, task.payload, outputLfn, inputColumns([input]), task.coreCount);
}

/** The merge job over `lfns`: the registered outputs of the jobset's done ranges, in range order. */
export function mergeJobDefinition(task: TaskSpec, id: JobIdentity, lfns: readonly string[]): Record<string, string> {
  const outputLfn = outputLfnOf(task, id.jobsetId);
  const datasetIn = expandPattern(task.output.dataset, task, id);
  const columns: Record<string, string> = {
    inFiles: lfns.join(','),
    scopeIn: lfns.map(() => task.scope).join(','),
    realDatasetsIn: lfns.map(() => datasetIn).join(','),
    GUID: lfns.map(() => 'NULL').join(','),
  };
  return {
    ...baseFields(task, id, task.merge ?? task.payload, outputLfn, columns, undefined),
    eventServiceMerge: 'True',
    writeToFile: `inputFor_${outputLfn}:${lfns.join(',')}`,
  };
}

function inputColumns(files: readonly TaskInputFile[]): Record<string, string> {
  const cols: Record<string, string> = {
    inFiles: files.map((f) => f.lfn).join(','),
    GUID: files.map((f) => f.guid).join(','),
    scopeIn: files.map((f) => f.scope ?? '').join(','),
    realDatasetsIn: files.map((f) => f.dataset ?? 'NULL').join(','),
    prodDBlockToken: files.map(() => 'NULL').join(','),
  };
  if (files.some((f) => f.size !== undefined)) cols['fsize'] = files.map((f) => (f.size === undefined ? 'NULL' : String(f.size))).join(',');
  if (files.some((f) => f.checksum !== undefined)) cols['checksum'] = files.map((f) => f.checksum ?? 'NULL').join(',');
  return cols;
}

function baseFields(
  task: TaskSpec, id: JobIdentity, cmd: TaskCommand, outputLfn: string, inputs: Record<string, string>, coreCount: number | undefined,
): Record<string, string> {
  const logLfn = expandPattern(task.output.log, task, id);
  const dataset = expandPattern(task.output.dataset, task, id);
  const logDataset = expandPattern(task.output.logDataset, task, id);
  const names = { outputLFN: outputLfn, inputFiles: inputs['inFiles'] ?? '' };
  return {
    // Defaults a task may override in its `job` section; the identity fields below may not.
    maxCpuCount: '0',
    currentPriority: '1000',
    ...task.job,
    PandaID: id.pandaId,
    jobsetID: id.jobsetId,
    taskID: String(task.taskId),
    jobDefinitionID: id.jobsetId,
    jobName: `${task.taskId}.${id.jobsetId}.${id.pandaId}`,
    prodSourceLabel: task.prodSourceLabel,
    processingType: task.processingType,
    transformation: expandPattern(cmd.transformation, task, id, names),
    jobPars: expandPattern(cmd.jobPars, task, id, names),
    attemptNr: String(id.attemptNr),
    coreCount: coreCount === undefined ? 'NULL' : String(coreCount),
    ...inputs,
    outFiles: `${outputLfn},${logLfn}`,
    realDatasets: `${dataset},${logDataset}`,
    destinationDblock: `${dataset},${logDataset}`,
    destinationDBlockToken: 'NULL,NULL',
    scopeOut: task.scope,
    scopeLog: task.scope,
    logFile: logLfn,
    logGUID: stableGuid(`${task.taskId}/${id.pandaId}/log`),
  };
}
