/**
 * Our typed requests → the dispatcher's parameter names (reference/pilot-anchors.md §1.2,
 * §2.4). Kept apart from the client so the wire vocabulary lives in one place.
 */
import type { EventRangeUpdate, GetJobRequest, JobUpdate } from '../contracts/panda-api.js';
import type { FormValue } from './form-codec.js';

type Form = Record<string, FormValue>;

/** getJob: the site's description; `getProxyKey` is always False (glExec is gone). */
export function getJobForm(req: GetJobRequest): Form {
  return {
    siteName: req.siteName,
    computingElement: req.computingElement,
    node: req.node,
    prodSourceLabel: req.prodSourceLabel,
    cpu: req.cpu,
    mem: req.mem,
    diskSpace: req.diskSpace,
    workingGroup: req.workingGroup,
    jobType: req.jobType,
    resourceType: req.resourceType,
    getProxyKey: false,
  };
}

/** PanDA's time format: `%Y-%m-%d %H:%M:%S`, UTC. */
export function pandaTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** updateJob; the diagnostic is cut to the length PanDA stores. */
export function jobUpdateForm(u: JobUpdate, now: number = Date.now()): Form {
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
    attemptNr: u.attemptNr,
    jobMetrics: u.jobMetrics,
    xml: u.xml,
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

/** The server's `command` / `Command` value as a list of commands (`NULL` → none). */
export function commandList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(commandList);
  const text = String(value).trim();
  if (!text || text === 'NULL' || text === 'None' || text === 'null') return [];
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}
