/**
 * The parameter names panda-server's legacy dispatcher accepts, per server generation. The
 * real server calls the Python function of the command with the request's parameters as
 * keyword arguments (`server/panda.py` `application`): an unknown name or a missing required
 * one raises TypeError, which it answers with HTTP 500 and the exception text. A method not
 * in `allowedMethods` is answered 403 `ERROR : <cmd> is forbidden` (PS-2024) or
 * 200 `False : <cmd> is forbidden` (PS-2015).
 *
 * Sources: PS-2024 = panda-server @3fc9d478 `jobdispatcher/JobDispatcher.py` (the last full
 * legacy dispatcher); PS-2015 = @4c19a31e (reference/pilot-anchors.md §0, §2.1).
 */
import type { ServerProfile } from '../../core/index.js';

export type { ServerProfile };

export const SERVER_PROFILES: readonly ServerProfile[] = Object.freeze(['ps-2024', 'ps-2015']);

interface Signature {
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

const GET_JOB_2015 = [
  'token', 'timeout', 'cpu', 'mem', 'diskSpace', 'prodSourceLabel', 'node', 'computingElement', 'AtlasRelease', 'prodUserID',
  'getProxyKey', 'countryGroup', 'workingGroup', 'allowOtherCountry',
];
const UPDATE_JOB_2015 = [
  'token', 'transExitCode', 'pilotErrorCode', 'pilotErrorDiag', 'timestamp', 'timeout', 'xml', 'node', 'workdir', 'cpuConsumptionTime',
  'cpuConsumptionUnit', 'remainingSpace', 'schedulerID', 'pilotID', 'siteName', 'messageLevel', 'pilotLog', 'metaData',
  'cpuConversionFactor', 'exeErrorCode', 'exeErrorDiag', 'pilotTiming', 'computingElement', 'startTime', 'endTime', 'nEvents',
  'nInputFiles', 'batchID', 'attemptNr', 'jobMetrics', 'stdout', 'jobSubStatus', 'coreCount',
];
const KEY_PAIR: Signature = { required: ['publicKeyName', 'privateKeyName'], optional: [] };

const SIGNATURES: Readonly<Record<ServerProfile, Readonly<Record<string, Signature>>>> = {
  'ps-2015': {
    getJob: { required: ['siteName'], optional: GET_JOB_2015 },
    updateJob: { required: ['jobId', 'state'], optional: UPDATE_JOB_2015 },
    getEventRanges: { required: ['pandaID', 'jobsetID'], optional: ['nRanges', 'timeout'] },
    updateEventRange: { required: ['eventRangeID', 'eventStatus'], optional: ['coreCount', 'cpuConsumptionTime', 'timeout'] },
    getKeyPair: KEY_PAIR,
  },
  'ps-2024': {
    getJob: {
      required: ['siteName'],
      optional: [...GET_JOB_2015, 'taskID', 'nJobs', 'background', 'resourceType', 'harvester_id', 'worker_id', 'schedulerID', 'jobType', 'viaTopic'],
    },
    updateJob: {
      required: ['jobId', 'state'],
      optional: [
        ...UPDATE_JOB_2015, 'maxRSS', 'maxVMEM', 'maxSWAP', 'maxPSS', 'avgRSS', 'avgVMEM', 'avgSWAP', 'avgPSS', 'totRCHAR', 'totWCHAR',
        'totRBYTES', 'totWBYTES', 'rateRCHAR', 'rateWCHAR', 'rateRBYTES', 'rateWBYTES', 'corruptedFiles', 'meanCoreCount', 'cpu_architecture_level',
      ],
    },
    getEventRanges: { required: ['pandaID', 'jobsetID'], optional: ['taskID', 'nRanges', 'timeout', 'scattered', 'segment_id'] },
    updateEventRange: { required: ['eventRangeID', 'eventStatus'], optional: ['coreCount', 'cpuConsumptionTime', 'objstoreID', 'timeout', 'pandaID'] },
    updateEventRanges: { required: ['eventRanges'], optional: ['timeout', 'version', 'pandaID'] },
    getKeyPair: KEY_PAIR,
  },
};

/** What the server answers for a request it does not run. */
export interface ProfileRefusal {
  readonly status: 200 | 403 | 500;
  readonly body: string;
}

/** Whether the profile's server has the command at all. */
export function hasCommand(profile: ServerProfile, command: string): boolean {
  return Object.hasOwn(SIGNATURES[profile], command);
}

/**
 * The refusal the real server gives `command` with `params`, or undefined when it runs it.
 * The 500 text is Python's TypeError message, which names the parameter.
 */
export function profileRefusal(profile: ServerProfile, command: string, params: Readonly<Record<string, unknown>>): ProfileRefusal | undefined {
  if (!hasCommand(profile, command)) {
    return profile === 'ps-2015' ? { status: 200, body: `False : ${command} is forbidden` } : { status: 403, body: `ERROR : ${command} is forbidden` };
  }
  const sig = SIGNATURES[profile][command]!;
  const known = new Set([...sig.required, ...sig.optional]);
  const unknown = Object.keys(params).find((k) => !known.has(k));
  if (unknown !== undefined) return { status: 500, body: `${command}() got an unexpected keyword argument '${unknown.slice(0, 80)}'` };
  const missing = sig.required.filter((k) => params[k] === undefined);
  if (missing.length) {
    const names = missing.map((m) => `'${m}'`).join(' and ');
    return { status: 500, body: `${command}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${names}` };
  }
  return undefined;
}
