/**
 * Reads a job directory's records and writes its `job-report.json` and `timeline.html`.
 * Called by the job runner when a job ends and by `espilot report` at any later time; both
 * go through the same code, so a regenerated report equals the original (but its time).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { localWriteError } from '../errors/disk-errors.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import { JOURNAL_FILE } from '../eventservice/journal-records.js';
import { JOB_STATE_PREFIX, JobStateStore } from '../state/job-state.js';
import { writeChunksAtomic } from '../state/state-file.js';
import { readLedger, readStageInRecord } from '../staging/job-transfers.js';
import { buildJobReport, type ReportSources } from './build-job-report.js';
import { readJournalTimeline } from './journal-timeline.js';
import { JOB_REPORT_FILE, TIMELINE_FILE, type JobReport } from './job-report.js';
import { jsonChunks } from './json-chunks.js';
import { timelineHtmlChunks } from './timeline-html.js';

export interface WrittenReport {
  readonly report: JobReport;
  readonly jsonPath: string;
  readonly htmlPath: string;
}

export interface WriteReportOptions {
  /** Applied to both files' full text before writing: the run's `SecretRegistry.mask`. */
  readonly mask?: (text: string) => string;
  readonly now?: number;
}

/**
 * Collects the sources of a job's report from its directory.
 * @throws PilotError FILEHANDLINGFAILURE (1303) when the directory holds no job state file,
 *   or a record cannot be read.
 */
export async function readReportSources(jobDir: string): Promise<ReportSources> {
  try {
    const names = await readdir(jobDir);
    const stateFile = names.find((n) => n.startsWith(JOB_STATE_PREFIX) && n.endsWith('.json'));
    if (!stateFile) throw new Error(`no ${JOB_STATE_PREFIX}<PandaID>.json in it`);
    const store = new JobStateStore(jobDir, stateFile.slice(JOB_STATE_PREFIX.length, -'.json'.length));
    const state = await store.load();
    if (!state) throw new Error(`${stateFile} disappeared`);
    const journal = await readJournalTimeline(join(jobDir, JOURNAL_FILE));
    return { jobDir, state, ...(journal ? { journal } : {}), ledger: await readLedger(jobDir), stagedIn: await readStageInRecord(jobDir) };
  } catch (err) {
    throw new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `cannot read the records of job directory ${jobDir}: ${(err as Error).message}`, { recoverable: false, cause: err });
  }
}

/**
 * Builds the report of the job in `jobDir` and writes both files into it (atomically).
 * @throws PilotError FILEHANDLINGFAILURE (1303) when the records cannot be read or the files written,
 * NOLOCALSPACE (1098) when the disk is full (the files are then left as they were).
 */
export async function writeJobReport(jobDir: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const report = buildJobReport(await readReportSources(jobDir), options.now);
  const mask = options.mask ?? ((s: string) => s);
  const jsonPath = join(jobDir, JOB_REPORT_FILE);
  const htmlPath = join(jobDir, TIMELINE_FILE);
  try {
    // Written in pieces (each masked): a job of 10,000 ranges makes 20 MB of text, which
    // would otherwise sit in the pilot's memory, copied, at the end of the job.
    await writeChunksAtomic(jsonPath, map(withNewline(jsonChunks(report)), mask), 0o644);
    await writeChunksAtomic(htmlPath, map(timelineHtmlChunks(report), mask), 0o644);
  } catch (err) {
    throw localWriteError(err, `the report of ${jobDir}`);
  }
  return { report, jsonPath, htmlPath };
}

function* map<T, U>(items: Iterable<T>, fn: (item: T) => U): Generator<U> {
  for (const x of items) yield fn(x);
}

function* withNewline(chunks: Iterable<string>): Generator<string> {
  yield* chunks;
  yield '\n';
}
