/**
 * The job file Harvester places (`pandaJobData.out`), in either of the forms pilot3 reads
 * (`pilot/control/job.py` get_job_definition_from_file): JSON `{PandaID: {job fields}}`, as
 * Harvester's shared-file messenger writes it (`feed_jobs`, jobSpecFileFormat json), or a
 * form-encoded getJob reply (jobSpecFileFormat cgi, and the older wrappers). pilot3 runs only
 * the first job of a JSON file; so does espilot, and says so when there are more.
 */
import {
  ConfigError, ErrorCodes, decodeForm, describeValue, isPlainObject, parseJobDefinition, registerBodySecrets, registerParsedSecrets,
  type JobDefinition, type Logger, type SecretRegistry,
} from '../../core/index.js';

/**
 * @throws ConfigError CONVERSIONFAILURE naming the file for an empty file or a JSON document
 *   that is not `{PandaID: {…}}`; JobDefinitionError for a job that does not parse.
 */
export function parseHarvesterJobFile(text: string, path: string, secrets: SecretRegistry, log: Logger): JobDefinition {
  // Credentials (secrets, proxies) are registered before anything could quote the text.
  registerBodySecrets(text, secrets);
  const body = text.trim();
  const bad = (expected: string, got: string) => new ConfigError([{ path, expected, got }], ErrorCodes.CONVERSIONFAILURE, 'unreadable Harvester job file');
  if (!body) throw bad('a job definition (JSON {PandaID: {…}} or a form-encoded getJob reply)', 'an empty file');
  let fields: Record<string, unknown>;
  if (body.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch (err) {
      throw bad('JSON {PandaID: {job fields}}', `text that is not JSON (${(err as Error).message})`);
    }
    if (!isPlainObject(doc)) throw bad('JSON {PandaID: {job fields}}', describeValue(doc));
    const ids = Object.keys(doc);
    if (ids.length === 0) throw bad('JSON {PandaID: {job fields}} with one job', 'an empty object');
    const first = ids[0]!;
    const job = doc[first];
    if (!isPlainObject(job)) throw bad(`an object of job fields under ${JSON.stringify(first)}`, describeValue(job));
    if (ids.length > 1) log.warn(`${path} holds ${ids.length} jobs; only the first (${first}) is run, as pilot3 does`);
    // Harvester's job parameters carry PandaID; pilot3 adds the key as `jobid` when they do not.
    fields = { PandaID: first, ...job };
  } else {
    fields = decodeForm(body);
  }
  registerParsedSecrets(fields, secrets);
  return parseJobDefinition(fields);
}
