/**
 * Finding glexec and its sibling mkgltempdir, and running them with a deadline.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface GlexecLocation {
  readonly glexec: string;
  readonly mkgltempdir?: string;
}

/** Where glexec may live, in the order pilot1 looked (configured path first). */
export function glexecCandidates(configured: string | undefined, env: Readonly<Record<string, string | undefined>>): string[] {
  return [
    configured,
    env['GLEXEC_LOCATION'] ? join(env['GLEXEC_LOCATION'], 'sbin', 'glexec') : undefined,
    env['OSG_GLEXEC_LOCATION'],
    '/usr/sbin/glexec',
  ].filter((p): p is string => !!p);
}

/** The first executable candidate, with mkgltempdir (configured or next to it) when executable. */
export async function locateGlexec(candidates: readonly string[], mkgltempdir?: string): Promise<GlexecLocation | undefined> {
  for (const glexec of candidates) {
    if (!(await isExecutable(glexec))) continue;
    const mk = mkgltempdir ?? join(dirname(glexec), 'mkgltempdir');
    return (await isExecutable(mk)) ? { glexec, mkgltempdir: mk } : { glexec };
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(() => true, () => false);
}

export interface ToolResult {
  readonly ok: boolean;
  readonly stdout: string;
  /** Exit code, signal or spawn error, for diagnostics. */
  readonly detail: string;
}

/** Runs `file args` with exactly `env` and a deadline; never rejects. */
export function runTool(file: string, args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env: { ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout, detail: 'exit code 0' });
      const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: string; killed?: boolean };
      const why = e.killed ? `no answer within ${timeoutMs} ms` : e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
      resolve({ ok: false, stdout, detail: `${why}${stderr.trim() ? `: ${stderr.trim().slice(0, 200)}` : ''}` });
    });
  });
}
