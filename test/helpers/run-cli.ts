import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled, slowdown } from './slowdown.js';

export const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '../../cli/main.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the child was killed for outliving its timeout: why, in words (also appended to `stderr`). */
  readonly killed?: string;
}

/**
 * Runs `espilot <args>` as a real child process. `timeoutMs` (default 60 s) is for an idle
 * machine and is multiplied by the slowdown factor (slowdown.ts); a child that outlives it
 * is killed, and the result says so (`killed after N s waiting for espilot demo … to exit`)
 * so a failing assertion that prints stdout and stderr shows why instead of `exit null:`.
 */
export function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const base = opts.timeoutMs ?? 60_000;
  const factor = slowdown();
  const limit = scaled(base, factor);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed: string | undefined;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      killed = `killed after ${((Date.now() - started) / 1000).toFixed(1)} s waiting for \`espilot ${args.join(' ')}\` to exit`
        + ` (timeout ${base} ms × slowdown ${factor.toFixed(2)}); ${stdout || stderr ? 'its output so far is above' : 'it printed nothing'}`;
      child.kill('SIGKILL');
    }, limit);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: killed ? `${stderr}\n${killed}\n` : stderr, ...(killed ? { killed } : {}) });
    });
  });
}
