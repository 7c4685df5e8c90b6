/**
 * The getJob reply → a frozen JobDefinition. This is the only place that knows PanDA's
 * field names (reference/pilot-anchors.md §1.3; pilot3 jobdata.py key map). Every problem
 * is collected and reported at once, each naming the field: `job.fsize[2]: expected an
 * integer ≥ 0, got "x"`.
 */
import { FieldReader } from '../config/field-reader.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { inputFiles, mergeInputLists, outputFiles, type ListIssues } from './file-spec-lists.js';
import { isNullText, isTrueText } from './form-codec.js';
import { checkServerName, isServerName } from './server-names.js';

/**
 * A job definition the pilot cannot run. Carries the PandaID when it could be read, so the
 * pilot can report that job failed instead of leaving it to the server's timeout.
 */
export class JobDefinitionError extends ConfigError {
  constructor(issues: readonly ConfigIssue[], code: number, readonly pandaId: string | undefined) {
    super(issues, code, `invalid job definition${pandaLabel(pandaId ?? '')}`);
    this.name = 'JobDefinitionError';
  }
}

function validPandaId(id: string): string | undefined {
  return isServerName('id', id.trim()) ? id.trim() : undefined;
}

const SAFE = { min: 0, max: Number.MAX_SAFE_INTEGER } as const;

/**
 * @param raw the reply's fields (strings from a form reply; strings or numbers from JSON).
 * @throws ConfigError NOTSAMELENGTH (1312) when parallel file lists differ in length,
 *   otherwise CONVERSIONFAILURE (1302) for a missing or malformed field; every issue is listed.
 */
export function parseJobDefinition(raw: Readonly<Record<string, unknown>>): JobDefinition {
  // `NULL`/`None` mean "not set" in PanDA's replies; drop them so the reader sees absence.
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!isNullText(v)) clean[k] = v;
  const issues: ConfigIssue[] = [];
  const lists: ListIssues = { issues, lengths: [] };
  const r = new FieldReader('job', clean, issues);

  const pandaId = r.requiredString('PandaID', 'a numeric PandaID');
  if (pandaId) checkServerName('id', pandaId.trim(), 'job.PandaID', issues);
  const { outputs, log } = outputFiles(clean, lists);
  const optional = (key: string): string | undefined => r.string(key);
  const optionalId = (key: string): string | undefined => checkServerName('id', r.string(key)?.trim(), `job.${key}`, issues);
  const optionalInt = (key: string): number | undefined => r.int(key, SAFE);

  const job: JobDefinition = {
    pandaId: pandaId.trim(),
    ...defined('jobsetId', optionalId('jobsetID')),
    ...defined('taskId', optionalId('taskID')),
    ...defined('jobName', optional('jobName')),
    ...defined('jobDefinitionId', optional('jobDefinitionID')),
    prodSourceLabel: r.requiredString('prodSourceLabel', 'a prodSourceLabel such as managed or user'),
    ...defined('processingType', optional('processingType')),
    transformation: r.requiredString('transformation', 'the payload transformation'),
    jobParameters: r.string('jobPars', ''),
    ...defined('swRelease', optional('swRelease')),
    ...defined('homePackage', optional('homepackage')),
    ...defined('cmtConfig', optional('cmtConfig')),
    ...defined('cloud', optional('cloud')),
    ...defined('destinationSE', optional('destinationSE')),
    attemptNr: r.int('attemptNr', SAFE, 0),
    // The server sends NULL or 0 for jobs without a core count (merge jobs); that means 1.
    coreCount: Math.max(1, r.int('coreCount', SAFE, 1)),
    ...defined('maxCpuCount', optionalInt('maxCpuCount')),
    ...defined('minRamCount', optionalInt('minRamCount')),
    ...defined('maxDiskCount', optionalInt('maxDiskCount')),
    ...defined('maxWalltime', optionalInt('maxWalltime')),
    inputFiles: Object.freeze(inputFiles(clean, lists)),
    outputFiles: Object.freeze(outputs),
    ...defined('logFile', log),
    eventService: flag(r, clean, 'eventService'),
    eventServiceMerge: flag(r, clean, 'eventServiceMerge'),
    writeToFile: Object.freeze(mergeInputLists(clean, lists)),
    debug: flag(r, clean, 'debug'),
    ...defined('userProxy', optional('userProxy')),
    putLogToOS: flag(r, clean, 'putLogToOS'),
    ...defined('transferType', optional('transferType')),
  };
  if (job.eventService && job.eventServiceMerge) {
    issues.push({ path: 'job.eventServiceMerge', expected: 'not set together with eventService', got: '"True"' });
  }
  if (lists.lengths.length) {
    throw new JobDefinitionError([...lists.lengths, ...issues], ErrorCodes.NOTSAMELENGTH, validPandaId(pandaId));
  }
  if (issues.length) throw new JobDefinitionError(issues, ErrorCodes.CONVERSIONFAILURE, validPandaId(pandaId));
  return Object.freeze(job);
}

/** `True`/`False` flags; anything else is reported rather than read as false. */
function flag(r: FieldReader, clean: Readonly<Record<string, unknown>>, key: string): boolean {
  const v = clean[key];
  if (v === undefined) return false;
  if (isTrueText(v)) return true;
  if (v === false || (typeof v === 'string' && v.trim().toLowerCase() === 'false')) return false;
  r.fail(key, 'True or False');
  return false;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function pandaLabel(pandaId: string): string {
  const id = validPandaId(pandaId);
  return id ? ` ${id}` : '';
}
