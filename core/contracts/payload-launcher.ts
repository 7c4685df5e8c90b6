import { contractToken } from './token.js';
export interface LaunchRequest {
  /** A shell command line, run by `/bin/sh -c` (transform commands are shell strings). */
  readonly command: string;
  readonly cwd: string;
  /** The complete environment of the payload; nothing else is inherited. */
  readonly env: Readonly<Record<string, string>>;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** A user proxy file to hand over to the payload's identity (glExec). */
  readonly userProxyPath?: string;
  /**
   * The job's server-provided user proxy (`JobDefinition.userProxy`), a secret: the glExec
   * launcher writes it owner-only (0600 in a 0700 directory) and hands it over; it wins over
   * `userProxyPath`. Launchers that do not switch identity ignore it.
   */
  readonly userProxy?: string;
}

export interface PayloadExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface PayloadProcess {
  readonly pid: number;
  /** Resolves when the process (not necessarily its group) has exited. Never rejects. */
  readonly exit: Promise<PayloadExit>;
  /** Signals the payload's whole process group; a no-op once it has exited. */
  kill(signal: NodeJS.Signals): void;
}

/**
 * How the payload is executed: identity, sandbox, environment.
 */
export interface PayloadLauncher {
  /**
   * Starts the command in its own process group.
   * @throws PilotError PAYLOADEXECUTIONFAILURE (1305) when it cannot be started, GLEXEC (1226)
   *   when an identity switch was required and failed.
   */
  launch(request: LaunchRequest): Promise<PayloadProcess>;
}

export const PayloadLauncher: unique symbol = contractToken('PayloadLauncher') as never;
