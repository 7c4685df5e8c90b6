/**
 * The final state of an ES job from what happened to its ranges and its payload. Finished
 * unless something was lost or went wrong; `holding` when outputs or reports are still
 * pending (the journal keeps them for the recovery command).
 */
import type { JobReportSummary } from '../contracts/experiment.js';
import type { PayloadExit } from '../contracts/payload-launcher.js';
import type { FinalJobState, JobOutcome } from '../contracts/run-job.js';
import { ErrorCodes } from '../errors/error-codes.js';
import type { PilotError } from '../errors/pilot-error.js';
import { describeExit, exitCodeOf } from '../util/exit-code.js';
import type { TrackerSummary } from './range-tracker.js';

export interface EsJobFacts {
  readonly summary: TrackerSummary;
  readonly startTime: number;
  /** Set when the job could not run its payload at all (setup failure). */
  readonly setupError?: PilotError;
  readonly bookkeepingError?: PilotError;
  readonly exit?: PayloadExit;
  /** Why the pilot stopped the payload, if it did. */
  readonly termination?: { readonly cause: string; readonly reason: string; readonly code?: number };
  /** The payload exited before it was told `No more events`. */
  readonly premature: boolean;
  readonly report?: JobReportSummary;
  /** Why fetching ranges gave up, if it did. */
  readonly fetchError?: PilotError;
}

export function esJobOutcome(f: EsJobFacts): JobOutcome {
  const s = f.summary;
  let state: FinalJobState = 'failed';
  let code: number;
  let diag: string;
  if (f.setupError) [code, diag] = [f.setupError.code, f.setupError.diagnostic];
  else if (f.bookkeepingError) [code, diag] = [f.bookkeepingError.code, f.bookkeepingError.diagnostic];
  else if (f.termination?.cause === 'kill') [code, diag] = [f.termination.code ?? ErrorCodes.PANDAKILL, f.termination.reason];
  else if (f.termination?.cause === 'helper') [code, diag] = [f.termination.code ?? ErrorCodes.ESFATAL, f.termination.reason];
  else if (f.termination?.cause === 'stuck') [code, diag] = [ErrorCodes.ESATHENAMPDIED, f.termination.reason];
  else if (f.premature) [code, diag] = [ErrorCodes.ESATHENAMPDIED, `payload ended (${describeExit(f.exit)}) before it was told "No more events"`];
  else if (s.fatalCode !== undefined) [code, diag] = [s.fatalCode, `${s.fatal} range(s) failed fatally`];
  else if (s.lostOutputs > 0) [code, diag] = [ErrorCodes.STAGEOUTFAILED, `${s.lostOutputs} range output(s) could not be stored`];
  // pilot3 has no code for it (it ignores the answer); a refused final status means the
  // server's record of the job's ranges is not what the pilot did: 1240, the ES message-server error.
  else if (s.refused > 0) [code, diag] = [ErrorCodes.ESMESSAGESERVER, `the server refused the final status of ${s.refused} range(s) (${s.nEventsRefused} event(s)); they are not counted`];
  else if (s.fetched === 0 && f.fetchError) [code, diag] = [f.fetchError.code, `no event ranges: ${f.fetchError.diagnostic}`];
  else if (s.fetched === 0) [code, diag] = [ErrorCodes.NOEVENTS, 'the server gave no event ranges'];
  else [state, code, diag] = ['finished', 0, ''];
  if (!f.setupError && (s.pendingOutputs > 0 || s.unreported > 0)) {
    state = 'holding';
    if (code === 0) code = ErrorCodes.ESRECOVERABLE;
    diag = `${diag ? `${diag}; ` : ''}${s.pendingOutputs} output(s) not stored and ${s.unreported} report(s) not acknowledged yet (kept in the range journal)`;
  }
  return Object.freeze({
    state,
    pilotErrorCode: code,
    pilotErrorDiag: diag.slice(0, 250),
    transExitCode: exitCodeOf(f.exit),
    ...(f.report?.exitCode ? { exeErrorCode: f.report.exitCode } : {}),
    ...(f.report?.exitMessage ? { exeErrorDiag: f.report.exitMessage.slice(0, 250) } : {}),
    nEvents: s.nEvents,
    nEventsFailed: s.nEventsFailed,
    cpuConsumptionTime: Math.round(s.cpuSeconds),
    startTime: f.startTime,
    endTime: Date.now(),
  });
}
