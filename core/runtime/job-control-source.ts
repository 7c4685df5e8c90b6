/**
 * Turns the server's commands and the pilot's signals into the `JobControl` a RunJob watches.
 */
import type { JobControl } from '../contracts/run-job.js';
import type { ServerCommand } from '../contracts/panda-api.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import { parseServerCommands } from '../panda/server-commands.js';

export class JobControlSource implements JobControl {
  private readonly soft = new AbortController();
  private readonly hard = new AbortController();
  private debugOn = false;

  /** The server's `debug` command is on (until `debugoff`): heartbeats carry the payload's log tail. */
  get debugMode(): boolean {
    return this.debugOn;
  }

  get softkill(): AbortSignal {
    return this.soft.signal;
  }

  get kill(): AbortSignal {
    return this.hard.signal;
  }

  /** The code and reason of the first stop request, if any. */
  get stopReason(): PilotError | undefined {
    return (this.hard.signal.reason ?? this.soft.signal.reason) as PilotError | undefined;
  }

  requestSoftkill(code: number, why: string): void {
    if (!this.soft.signal.aborted) this.soft.abort(new PilotError(code, why, { recoverable: false }));
  }

  requestKill(code: number, why: string): void {
    this.requestSoftkill(code, why);
    if (!this.hard.signal.aborted) this.hard.abort(new PilotError(code, why, { recoverable: false }));
  }

  /**
   * What a signal to the pilot does: SIGTERM and SIGUSR1 drain (softkill), a second one kills;
   * SIGINT, SIGQUIT, SIGXCPU and SIGBUS kill at once, each with its code (1200–1208).
   * Other signals are ignored.
   */
  onSignal(name: NodeJS.Signals, log: Logger): void {
    const action = SIGNAL_ACTIONS[name];
    if (!action) return;
    if (action.soft && !this.softkill.aborted) {
      log.warn(`${name} received: no new events, draining (a second signal kills the payload)`);
      this.requestSoftkill(action.code, `pilot received ${name}`);
    } else {
      log.warn(`${name} received: killing the payload`);
      this.requestKill(action.code, `pilot received ${name}`);
    }
  }

  /**
   * Acts on updateJob / updateEventRanges commands: `tobekilled`, `softkill`, `debug` /
   * `debugoff` (pilot3's standard debug mode); others are logged. pilot3's debug commands
   * that name a shell command (`tail …`, `ps …`, `gdb …`) are not run.
   */
  applyServerCommands(commands: readonly ServerCommand[], log: Logger): void {
    for (const command of parseServerCommands(commands)) {
      if (command.kind === 'tobekilled') {
        log.warn('server command tobekilled: killing the payload');
        this.requestKill(ErrorCodes.PANDAKILL, 'job killed by the PanDA server (tobekilled)');
      } else if (command.kind === 'softkill') {
        log.warn('server command softkill: finishing current work, no new events');
        this.requestSoftkill(ErrorCodes.ESKILLEDBYSERVER, 'softkill requested by the PanDA server');
      } else if (command.kind === 'debug' || command.kind === 'debugoff') {
        if (this.debugOn !== (command.kind === 'debug')) log.info(`server command ${command.kind}: ${command.kind === 'debug' ? 'heartbeats carry the tail of the payload log' : 'debug mode off'}`);
        this.debugOn = command.kind === 'debug';
      } else {
        log.info(`server command "${command.text}" ignored`);
      }
    }
  }
}

/** How each signal stops the job (codes 1200–1208, reference §9). */
const SIGNAL_ACTIONS: Readonly<Record<string, { code: number; soft: boolean }>> = {
  SIGTERM: { code: ErrorCodes.SIGTERM, soft: true },
  SIGUSR1: { code: ErrorCodes.SIGUSR1, soft: true },
  SIGINT: { code: ErrorCodes.SIGINT, soft: false },
  SIGQUIT: { code: ErrorCodes.SIGQUIT, soft: false },
  SIGXCPU: { code: ErrorCodes.SIGXCPU, soft: false },
  SIGBUS: { code: ErrorCodes.SIGBUS, soft: false },
};

/**
 * Installs handlers for the pilot's signals (see `JobControlSource.onSignal`). Returns the
 * uninstaller.
 */
export function installSignalHandlers(control: JobControlSource, log: Logger): () => void {
  const handlers: Array<[NodeJS.Signals, () => void]> = [];
  for (const name of Object.keys(SIGNAL_ACTIONS) as NodeJS.Signals[]) {
    const handler = () => control.onSignal(name, log);
    process.on(name, handler);
    handlers.push([name, handler]);
  }
  return () => {
    for (const [name, h] of handlers) process.off(name, h);
  };
}
