/** How a process ended, as the shell and pilot3 report it (transExitCode). */
import { constants } from 'node:os';

/**
 * The exit code, or 128 + the signal number for a process killed by a signal (SIGKILL 137,
 * SIGTERM 143, SIGBUS 135 on Linux); 0 when there is no exit (the payload never ended).
 */
export function exitCodeOf(exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined): number {
  if (!exit) return 0;
  if (exit.code !== null) return exit.code;
  const n = exit.signal ? constants.signals[exit.signal] : undefined;
  return 128 + (n ?? 0);
}

/** `exit code N` / `signal SIGX`, for diagnostics. */
export function describeExit(exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined): string {
  if (!exit) return 'did not exit';
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
