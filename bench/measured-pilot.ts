/**
 * Runs `espilot <args>` as a child process, as production does, with the usage probe
 * preloaded: returns how it exited, its own CPU time and peak RSS (payload excluded), and
 * the tail of its log (stdout and stderr go to `<dir>/pilot.log`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../plugins/panda-local/index.js';
import type { ProcessUsage } from './usage-probe.js';

export interface MeasuredPilot {
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly usage: ProcessUsage;
  /** The last lines of the pilot's output, for error messages. */
  readonly logTail: string;
}

/**
 * `nodeArgs` go to node before the script (e.g. `--cpu-prof` to profile the pilot).
 * @throws Error when the pilot runs longer than `timeoutMs` (it is killed) or leaves no usage record.
 */
export async function runMeasuredPilot(o: { args: readonly string[]; dir: string; timeoutMs: number; env?: NodeJS.ProcessEnv; nodeArgs?: readonly string[] }): Promise<MeasuredPilot> {
  const usagePath = join(o.dir, 'pilot-usage.json');
  const logPath = join(o.dir, 'pilot.log');
  const fd = openSync(logPath, 'a', 0o600);
  const root = packageRoot();
  const started = performance.now();
  const child = spawn(process.execPath, [
    ...(o.nodeArgs ?? []),
    `--import=${pathToFileURL(join(root, 'dist', 'bench', 'usage-probe.js')).href}`, join(root, 'dist', 'cli', 'main.js'), ...o.args,
  ], { env: { ...process.env, ...o.env, ESPILOT_USAGE_FILE: usagePath }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, o.timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const log = await readFile(logPath, 'utf8').catch(() => '');
  const logTail = log.split('\n').slice(-30).join('\n');
  if (timedOut) throw new Error(`the pilot did not finish within ${o.timeoutMs / 1000} s; log tail:\n${logTail}`);
  let usage: ProcessUsage;
  try {
    usage = JSON.parse(await readFile(usagePath, 'utf8')) as ProcessUsage;
  } catch {
    throw new Error(`the pilot (exit ${code}) left no usage record; log tail:\n${logTail}`);
  }
  return { exitCode: code, seconds, usage, logTail };
}
