import type { JobDefinition } from './job-definition.js';
import type { QueueData } from './queue-data.js';
import type { EventRange } from './event-range.js';
import type { PayloadLauncher } from './payload-launcher.js';
import { contractToken } from './token.js';

/** The command a RunJob executes and the variables the experiment adds to its environment. */
export interface PayloadCommand {
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
}

export interface PayloadContext {
  readonly workdir: string;
  readonly queue: QueueData;
  /** ES jobs: the yampl channel name the payload must connect to. */
  readonly channelName?: string;
  /** Merge jobs: local paths of the staged-in inputs, by LFN. */
  readonly inputPaths?: ReadonlyMap<string, string>;
}

export interface JobReportSummary {
  readonly exitCode: number;
  readonly exitAcronym?: string;
  readonly exitMessage?: string;
  readonly nEvents?: number;
}

/** How a payload `ERR_<ACRONYM>` message ends its range. */
export interface PayloadErrorClass {
  readonly code: number;
  readonly status: 'failed' | 'fatal';
}

/** What an ES RunJob hands to `Experiment.startPayloadHelpers`. */
export interface PayloadHelperContext extends PayloadContext {
  /** The launcher the payload itself uses, so helpers run under the same identity. */
  readonly launcher: PayloadLauncher;
  /** The payload's base environment (already scrubbed of secrets). */
  readonly env: Readonly<Record<string, string>>;
}

/** Why a helper process ended while the job still needed it. */
export interface PayloadHelperFailure {
  readonly code: number;
  readonly message: string;
}

/**
 * A process an ES payload needs beside it (ATLAS: the Token Extractor), started by the ES
 * RunJob before the payload and monitored while the payload runs.
 */
export interface PayloadHelper {
  readonly name: string;
  /**
   * Tells the helper about ranges before they are sent to the payload (the Token Extractor
   * needs their input files listed first). Never rejects for one bad range: it logs.
   */
  addRanges(ranges: readonly EventRange[]): Promise<void>;
  /**
   * Resolves if the helper ends on its own before `stop()`; the RunJob then stops the payload
   * and fails the job with `code` (Token Extractor: TEFATAL 1229). Never rejects; never
   * resolves after `stop()`.
   */
  readonly died: Promise<PayloadHelperFailure>;
  /** Stops the helper (after the payload has exited). Idempotent, never rejects. */
  stop(): Promise<void>;
}

/**
 * What makes the pilot an experiment's own: which RunJob runs a job, how the payload is
 * invoked, how its report and errors are read, how ES outputs are named.
 */
export interface Experiment {
  /**
   * @returns the name of the RunJob plugin for this job (`normal`, `event`, `hpc-event`, ...).
   */
  runJobFor(job: JobDefinition, queue: QueueData): string;

  /**
   * Builds the payload command: transform + parameters, channel injection for ES, core-count
   * environment, merge input lists. May write files into `ctx.workdir` (merge input lists).
   * @throws PilotError CORECOUNTMISMATCH (1217) and the like when the job cannot run here.
   */
  payloadCommand(job: JobDefinition, ctx: PayloadContext): Promise<PayloadCommand>;

  /** Reads the payload's job report from `workdir`; undefined when there is none. Never throws for a bad report: it logs and returns undefined. */
  parseJobReport(workdir: string): Promise<JobReportSummary | undefined>;

  /** Maps a payload `ERR_<ACRONYM> <id>: <diag>` to a range status and error code. */
  classifyPayloadError(acronym: string, diagnostics: string): PayloadErrorClass;

  /** The object-store name of one range's output: `<outputLFN>.<eventRangeID>`. */
  esOutputName(outputLfn: string, eventRangeId: string): string;

  /**
   * Optional: starts the helper processes an ES job needs beside its payload, before the
   * payload starts. An experiment without helpers omits it (same as returning []).
   * @throws PilotError when a required helper cannot be started (TEFATAL 1229 for the Token
   *   Extractor); helpers already started are stopped first.
   */
  startPayloadHelpers?(job: JobDefinition, ctx: PayloadHelperContext): Promise<readonly PayloadHelper[]>;

  /** Removes payload leftovers (e.g. AthenaMP worker directories) before the log is packed. */
  cleanup(workdir: string): Promise<void>;
}

export const Experiment: unique symbol = contractToken('Experiment') as never;
