/**
 * The transform's `jobReport.json`: exitCode, exitAcronym, exitMsg and the event count. A
 * missing, unreadable or malformed report gives `undefined`, never an exception.
 */
import { readFile } from 'node:fs/promises';
import type { JobReportSummary, Logger } from '../../core/index.js';

/** The parsed JSON of `path`, or undefined (logged) when absent or not JSON. */
export async function readJsonFile(path: string, log: Logger): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') log.debug(`no job report at ${path}`);
    else log.warn(`cannot read job report ${path}: ${(err as Error).message}`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    log.warn(`job report ${path} is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * The summary of a parsed report. `nEvents` is the top-level `nEvents`, else the largest
 * `resource.executor.<step>.nevents` (ATLAS transforms report per step; the last step's count
 * is the job's, and it is the largest one for a chain that does not drop events).
 */
export function summarizeJobReport(report: unknown, log: Logger): JobReportSummary | undefined {
  if (!isObject(report)) {
    log.warn('job report is not a JSON object; ignored');
    return undefined;
  }
  const exitCode = report['exitCode'];
  if (typeof exitCode !== 'number' || !Number.isInteger(exitCode)) {
    log.warn(`job report: exitCode is ${JSON.stringify(exitCode)}, expected an integer; report ignored`);
    return undefined;
  }
  const exitAcronym = typeof report['exitAcronym'] === 'string' ? report['exitAcronym'] : undefined;
  const exitMessage = typeof report['exitMsg'] === 'string' ? report['exitMsg'] : undefined;
  const nEvents = eventCount(report);
  return Object.freeze({
    exitCode,
    ...(exitAcronym !== undefined ? { exitAcronym } : {}),
    ...(exitMessage !== undefined ? { exitMessage } : {}),
    ...(nEvents !== undefined ? { nEvents } : {}),
  });
}

function eventCount(report: Record<string, unknown>): number | undefined {
  if (isCount(report['nEvents'])) return report['nEvents'];
  const resource = report['resource'];
  const executor = isObject(resource) ? resource['executor'] : undefined;
  if (!isObject(executor)) return undefined;
  const counts = Object.values(executor).map((step) => (isObject(step) ? step['nevents'] : undefined)).filter(isCount);
  return counts.length ? Math.max(...counts) : undefined;
}
