/**
 * Runs a payload command to completion through a launcher, honouring the job's kill request:
 * SIGTERM to the process group, then SIGKILL after the grace period.
 */
import { join } from 'node:path';
import { ErrorCodes, abortError, describeExit, type JobControl, type Logger, type PayloadExit, type PayloadLauncher, type PayloadWatch } from '../../core/index.js';

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
  watch?: PayloadWatch,
): Promise<PayloadRunResult> {
  const proc = await launcher.launch({
    ...request,
    stdoutPath: join(request.cwd, 'payload.stdout'),
    stderrPath: join(request.cwd, 'payload.stderr'),
  });
  log.info(`payload started (pid ${proc.pid})`);
  watch?.watch([proc.pid]);
  let killed = false;
  let hardKill: NodeJS.Timeout | undefined;
  const onKill = () => {
    killed = true;
    log.warn(`killing the payload (pid ${proc.pid}): ${abortError(control.kill.reason, ErrorCodes.KILLSIGNAL).message}`);
    proc.kill('SIGTERM');
    hardKill = setTimeout(() => proc.kill('SIGKILL'), killGraceMs);
    hardKill.unref();
  };
  if (control.kill.aborted) onKill();
  else control.kill.addEventListener('abort', onKill, { once: true });
  const exit = await proc.exit;
  control.kill.removeEventListener('abort', onKill);
  if (hardKill) clearTimeout(hardKill);
  log.info(`payload exited: ${describeExit(exit)}`);
  return { exit, killed };
}
