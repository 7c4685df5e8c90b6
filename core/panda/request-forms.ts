/**
 * Our typed requests → the dispatcher's parameter names (reference/pilot-anchors.md §1.2,
 * §2.4). Kept apart from the client so the wire vocabulary lives in one place.
 */
import type { ServerProfile } from '../config/pilot-config.js';
import type { EventRangeUpdate, GetJobRequest, JobUpdate } from '../contracts/panda-api.js';
import type { FormValue } from './form-codec.js';
import { outputFileList } from './output-file-list.js';

type Form = Record<string, FormValue>;

/**
 * getJob: the site's description; `getProxyKey` is always False (glExec is gone). A
 * `ps-2015` server has no `jobType` / `resourceType` parameters.
 */
export function getJobForm(req: GetJobRequest, profile: ServerProfile = 'ps-2024'): Form {
  const newer = profile === 'ps-2015' ? {} : { jobType: req.jobType, resourceType: req.resourceType };
  return {
    siteName: req.siteName,
    computingElement: req.computingElement,
    node: req.node,
    prodSourceLabel: req.prodSourceLabel,
    cpu: req.cpu,
    mem: req.mem,
    diskSpace: req.diskSpace,
    workingGroup: req.workingGroup,
    ...newer,
    getProxyKey: false,
  };
}

/** PanDA's time format: `%Y-%m-%d %H:%M:%S`, UTC. */
export function pandaTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * updateJob; the diagnostic is cut to the length PanDA stores; `outputFiles` become `xml` in
 * the form the profile's server reads (output-file-list.ts).
 */
export function jobUpdateForm(u: JobUpdate, profile: ServerProfile = 'ps-2024', now: number = Date.now()): Form {
  return {
    jobId: u.pandaId,
    state: u.state,
    timestamp: `${new Date(now).toISOString().slice(0, 19)}+00:00`,
    transExitCode: u.transExitCode,
    pilotErrorCode: u.pilotErrorCode,
    pilotErrorDiag: u.pilotErrorDiag === undefined ? undefined : u.pilotErrorDiag.replace(/\s+/g, ' ').slice(0, 250),
    exeErrorCode: u.exeErrorCode,
    exeErrorDiag: u.exeErrorDiag,
    cpuConsumptionTime: u.cpuConsumptionTime,
    cpuConsumptionUnit: u.cpuConsumptionTime === undefined ? undefined : 's',
    coreCount: u.coreCount,
    nEvents: u.nEvents,
    nInputFiles: u.nInputFiles,
    startTime: u.startTime === undefined ? undefined : pandaTime(u.startTime),
    endTime: u.endTime === undefined ? undefined : pandaTime(u.endTime),
    node: u.node,
    workdir: u.workdir,
    siteName: u.siteName,
    schedulerID: u.schedulerId,
    pilotID: u.pilotId,
    batchID: u.batchId,
    attemptNr: u.attemptNr,
    jobMetrics: u.jobMetrics,
    xml: u.outputFiles === undefined ? undefined : outputFileList(u.outputFiles, profile),
    metaData: u.metaData,
    ...resourceFormFields(u),
  };
}

/**
 * The resource monitor's part of updateJob: pilot3's memory fields under their own names
 * (maxRSS, maxPSS, …, rateWBYTES) and, in debug mode, the payload log tail as `stdout`.
 */
export function resourceFormFields(u: Pick<JobUpdate, 'resources' | 'stdout'>): Form {
  return { ...(u.resources ?? {}), ...(u.stdout !== undefined ? { stdout: u.stdout } : {}) };
}

/** One entry of updateEventRanges' version 0 list, in the server's key names. */
export function rangeUpdateEntry(u: EventRangeUpdate): Record<string, string | number> {
  const e: Record<string, string | number> = { eventRangeID: u.eventRangeId, eventStatus: u.eventStatus };
  if (u.errorCode !== undefined) e['errorCode'] = u.errorCode;
  if (u.errorDiag !== undefined) e['errorDiag'] = u.errorDiag.slice(0, 500);
  if (u.objstoreId !== undefined) e['objstoreID'] = u.objstoreId;
  if (u.pathConvention !== undefined) e['pathConvention'] = u.pathConvention;
  if (u.cpuConsumptionTime !== undefined) e['cpuConsumptionTime'] = u.cpuConsumptionTime;
  if (u.coreCount !== undefined) e['coreCount'] = u.coreCount;
  return e;
}

/**
 * updateEventRanges' `eventRanges` list and version: 0 (a flat list) unless an update names
 * the zip its outputs are in; then 1, a list whose consecutive updates of one zip form one
 * `{zipFile, eventRanges}` chunk and the rest stay plain entries (OraDBProxy reads both in one
 * list). Only runs are grouped, so the server's per-range results keep the updates' order.
 */
export function rangeUpdateList(updates: readonly EventRangeUpdate[]): { version: 0 | 1; eventRanges: unknown[] } {
  if (!updates.some((u) => u.zipFile)) return { version: 0, eventRanges: updates.map(rangeUpdateEntry) };
  const list: unknown[] = [];
  let chunk: { zipFile: Record<string, string | number>; eventRanges: Record<string, string | number>[] } | undefined;
  for (const u of updates) {
    const z = u.zipFile;
    if (!z) { chunk = undefined; list.push(rangeUpdateEntry(u)); continue; }
    if (!chunk || chunk.zipFile['lfn'] !== z.lfn) {
      chunk = {
        zipFile: { numEvents: z.numEvents, objstoreID: z.objstoreId, lfn: z.lfn, fsize: z.fsize, pathConvention: z.pathConvention, ...(z.adler32 ? { adler32: z.adler32 } : {}) },
        eventRanges: [],
      };
      list.push(chunk);
    }
    // Inside a chunk the zip says where the output is; the entry keeps status, error and CPU.
    const { objstoreID: _o, pathConvention: _p, ...entry } = rangeUpdateEntry(u);
    chunk.eventRanges.push(entry);
  }
  return { version: 1, eventRanges: list };
}

/**
 * The single-range updateEventRange: only the parameters the server's function takes
 * (`coreCount`, `cpuConsumptionTime`, and from 2016 `objstoreID`, `pandaID`); an error
 * code or diagnostic has no place there.
 */
export function singleRangeForm(u: EventRangeUpdate, pandaId: string | undefined, profile: ServerProfile): Form {
  return {
    eventRangeID: u.eventRangeId, eventStatus: u.eventStatus, coreCount: u.coreCount, cpuConsumptionTime: u.cpuConsumptionTime,
    ...(profile === 'ps-2015' ? {} : { objstoreID: u.objstoreId, pandaID: pandaId }),
  };
}

/** getEventRanges; `taskID` only where the server has it (a `ps-2015` server answers 500 to it). */
export function getEventRangesForm(r: { pandaId: string; jobsetId?: string; taskId?: string; nRanges: number }, profile: ServerProfile): Form {
  return { pandaID: r.pandaId, jobsetID: r.jobsetId, ...(profile === 'ps-2015' ? {} : { taskID: r.taskId }), nRanges: r.nRanges };
}

/** The server's `command` / `Command` value as a list of commands (`NULL` → none). */
export function commandList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(commandList);
  const text = String(value).trim();
  if (!text || text === 'NULL' || text === 'None' || text === 'null') return [];
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}
