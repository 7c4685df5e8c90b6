/**
 * Runs a payload command to completion through a launcher, honouring the job's kill request:
 * SIGTERM to the process group, then SIGKILL after the grace period.
 */
import { join } from 'node:path';
import type { JobControl, Logger, PayloadExit, PayloadLauncher } from '../../core/index.js';

export interface PayloadRunResult {
  readonly exit: PayloadExit;
  readonly killed: boolean;
}

export async function runPayloadToEnd(
  launcher: PayloadLauncher,
  request: { command: string; cwd: string; env: Record<string, string>; userProxy?: string },
  control: JobControl,
  killGraceMs: number,
  log: Logger,
): Promise<PayloadRunResult> {
  const proc = await launcher.launch({
    ...request,
    stdoutPath: join(request.cwd, 'payload.stdout'),
    stderrPath: join(request.cwd, 'payload.stderr'),
  });
  log.info(`payload started (pid ${proc.pid})`);
  let killed = false;
  let hardKill: NodeJS.Timeout | undefined;
  const onKill = () => {
    killed = true;
    log.warn(`killing the payload (pid ${proc.pid}): ${String((control.kill.reason as Error | undefined)?.message ?? 'kill requested')}`);
    proc.kill('SIGTERM');
    hardKill = setTimeout(() => proc.kill('SIGKILL'), killGraceMs);
    hardKill.unref();
  };
  if (control.kill.aborted) onKill();
  else control.kill.addEventListener('abort', onKill, { once: true });
  const exit = await proc.exit;
  control.kill.removeEventListener('abort', onKill);
  if (hardKill) clearTimeout(hardKill);
  log.info(`payload exited: ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`);
  return { exit, killed };
}

/** The transform's exit code as PanDA expects it: the code, or 128 + signal number. */
export function exitCodeOf(exit: PayloadExit): number {
  if (exit.code !== null) return exit.code;
  const n = exit.signal ? (({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 }) as Record<string, number>)[exit.signal] ?? 0 : 0;
  return 128 + n;
}
