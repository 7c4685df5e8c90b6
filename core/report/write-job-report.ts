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
import { JOB_REPORT_FILE, RANGES_DETAIL_FILE, TIMELINE_FILE, type JobReport } from './job-report.js';
import type { RangeTiming } from './journal-timeline.js';
import { jsonChunks } from './json-chunks.js';
import { timelineHtmlChunks } from './timeline-html.js';

export interface WrittenReport {
  readonly report: JobReport;
  readonly jsonPath: string;
  readonly htmlPath: string;
  /** RANGES_DETAIL_FILE, for an ES job (one with a journal). */
  readonly detailPath?: string;
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
 * Builds the report of the job in `jobDir` and writes its files into it (atomically).
 * @throws PilotError FILEHANDLINGFAILURE (1303) when the records cannot be read or the files written,
 * NOLOCALSPACE (1098) when the disk is full (the files are then left as they were).
 */
export async function writeJobReport(jobDir: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  return writeReportFiles(await readReportSources(jobDir), options);
}

/**
 * Writes the report made from `src` into `src.jobDir`: `job-report.json` (its summary),
 * `timeline.html` and, for an ES job, every range in RANGES_DETAIL_FILE.
 * @throws PilotError NOLOCALSPACE (1098) when the disk is full, FILEHANDLINGFAILURE (1303) for another write error.
 */
export async function writeReportFiles(src: ReportSources, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const report = buildJobReport(src, options.now);
  const mask = options.mask ?? ((s: string) => s);
  const ranges = src.journal?.ranges;
  const jsonPath = join(src.jobDir, JOB_REPORT_FILE);
  const htmlPath = join(src.jobDir, TIMELINE_FILE);
  const detailPath = ranges ? join(src.jobDir, RANGES_DETAIL_FILE) : undefined;
  try {
    // Written in pieces (each masked): a job of a million ranges makes a gigabyte of range
    // detail, which must never sit in the pilot's memory as text.
    if (detailPath) await writeChunksAtomic(detailPath, map(ndjsonBatches(ranges!), mask), 0o644);
    await writeChunksAtomic(jsonPath, map(withNewline(jsonChunks(report)), mask), 0o644);
    await writeChunksAtomic(htmlPath, map(timelineHtmlChunks(report, ranges ?? []), mask), 0o644);
  } catch (err) {
    throw localWriteError(err, `the report of ${src.jobDir}`);
  }
  return { report, jsonPath, htmlPath, ...(detailPath ? { detailPath } : {}) };
}

/** One JSON line per range, a few hundred lines to a piece. */
function* ndjsonBatches(ranges: readonly RangeTiming[]): Generator<string> {
  const BATCH = 256;
  for (let i = 0; i < ranges.length; i += BATCH) {
    let text = '';
    for (const r of ranges.slice(i, i + BATCH)) text += `${JSON.stringify(r)}\n`;
    yield text;
  }
}

function* map<T, U>(items: Iterable<T>, fn: (item: T) => U): Generator<U> {
  for (const x of items) yield fn(x);
}

function* withNewline(chunks: Iterable<string>): Generator<string> {
  yield* chunks;
  yield '\n';
}
