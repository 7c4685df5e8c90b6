/**
 * The two places where ES RunJobs differ: how the payload is reached (its channel or
 * channels) and how it is started (one process, or M instances across an allocation). The
 * core's runner (`EsJobRun`) does everything else — journal, tracker, range source,
 * reporter, stage-out, engine, supervision, outcome — and `recoverEsJob` finishes a dead
 * pilot's job from the journal and the payload record written from `launch`'s result, so a
 * RunJob built on these seams recovers the same way whatever it launched.
 */
import type { Experiment } from '../contracts/experiment.js';
import type { PayloadChannel } from '../contracts/payload-channel.js';
import type { PayloadLauncher, PayloadProcess } from '../contracts/payload-launcher.js';
import type { EsEngine } from './es-engine.js';

/** What `launch` gets: the parts it needs to build and start the payload. */
export interface LaunchParts {
  readonly experiment: Experiment;
  readonly launcher: PayloadLauncher;
  /** The payload's base environment (secrets scrubbed). */
  readonly env: Readonly<Record<string, string>>;
  /** The job's fresh channel name (journaled; a local channel is opened under it). */
  readonly channelName: string;
  /** The job's inputs as the payload reaches them (staged path or TURL), by LFN. */
  readonly inputPaths: ReadonlyMap<string, string>;
  /** The running engine, for a seam that fails the ranges of one of several payload parts. */
  readonly engine: Pick<EsEngine, 'quiesce' | 'failInFlight' | 'counters'>;
}

/** One process group the payload runs as, and the directory it works in. */
export interface PayloadGroup {
  /** The group leader's pid (= the process group id). */
  readonly pid: number;
  /** Its working directory; a recovering pilot signals the group only if it still works there. */
  readonly cwd: string;
}

export interface LaunchedPayload {
  /** What the supervisor watches and kills: exits when the whole payload has exited. */
  readonly process: PayloadProcess;
  /** Every process group of the payload (recorded so a recovery can stop what a dead pilot left). */
  readonly groups: readonly PayloadGroup[];
}

/** Built per job by the RunJob; the runner calls `openChannel` once, then `launch` once. */
export interface EsPayloadSeams {
  /**
   * Opens the channel the engine serves (several may be presented as one PayloadChannel).
   * Closes whatever it opened before it throws.
   * @throws PilotError ESMESSAGESERVER (1240) or the channel's own error when it cannot be opened.
   */
  openChannel(channelName: string): Promise<PayloadChannel>;

  /**
   * Builds the experiment's command(s) and starts the payload. Stops whatever it started
   * before it throws.
   * @throws PilotError from the experiment or the launcher (PAYLOADEXECUTIONFAILURE 1305, ...).
   */
  launch(parts: LaunchParts): Promise<LaunchedPayload>;
}
