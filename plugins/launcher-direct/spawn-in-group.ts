/**
 * Starts `/bin/sh -c <command>` as the leader of a new process group, with exactly the given
 * environment and stdout/stderr appended to files. Shared by the direct and glExec launchers
 * (glExec wraps the command, then starts it the same way).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { ErrorCodes, PilotError, type PayloadExit, type PayloadProcess } from '../../core/index.js';

export interface GroupSpawnRequest {
  readonly command: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdoutPath: string;
  readonly stderrPath: string;
}

/**
 * @throws PilotError PAYLOADEXECUTIONFAILURE (1305) when the output files cannot be opened or
 *   the shell cannot be started (missing cwd, exec failure).
 */
export async function spawnInGroup(req: GroupSpawnRequest): Promise<PayloadProcess> {
  let out: number | undefined;
  let err: number | undefined;
  try {
    out = openSync(req.stdoutPath, 'a', 0o644);
    err = req.stderrPath === req.stdoutPath ? out : openSync(req.stderrPath, 'a', 0o644);
  } catch (e) {
    closeFds(out, err);
    throw new PilotError(ErrorCodes.PAYLOADEXECUTIONFAILURE, `cannot open payload output file: ${(e as Error).message}`, { recoverable: false, cause: e });
  }
  let child: ChildProcess;
  try {
    // detached: setsid(), so the shell leads a new process group and signals reach all of it.
    child = spawn('/bin/sh', ['-c', req.command], { cwd: req.cwd, env: { ...req.env }, detached: true, stdio: ['ignore', out, err] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (e) {
    throw new PilotError(ErrorCodes.PAYLOADEXECUTIONFAILURE, `cannot start the payload in ${req.cwd}: ${(e as Error).message}`, { recoverable: false, cause: e });
  } finally {
    closeFds(out, err);
  }
  return groupProcess(child);
}

function groupProcess(child: ChildProcess): PayloadProcess {
  const pid = child.pid!;
  let exited = child.exitCode !== null || child.signalCode !== null;
  const exit = new Promise<PayloadExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      exited = true;
      resolve({ code, signal });
    };
    if (exited) done(child.exitCode, child.signalCode);
    else child.once('exit', done);
  });
  // An 'error' after spawn (e.g. a failed kill) must not crash the pilot.
  child.on('error', () => undefined);
  return {
    pid,
    exit,
    kill(signal: NodeJS.Signals): void {
      if (exited) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // ESRCH: the group is gone between our check and the signal.
      }
    },
  };
}

function closeFds(out: number | undefined, err: number | undefined): void {
  if (out !== undefined) closeSync(out);
  if (err !== undefined && err !== out) closeSync(err);
}
