/**
 * `espilot serve-panda` as a child process, as a site runs it: started with `args`, its URL
 * read from its "listening on" line. The wait for that line is bounded (a readiness timeout
 * scaled by the slowdown factor, slowdown.ts); when the server exits first or the deadline
 * passes, the error says which and shows what the server printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readinessTimeout } from './service-process.js';
import { CLI } from './run-cli.js';

export interface ServePanda {
  readonly child: ChildProcess;
  /** The server's URL once it listens. @throws Error when it exits first or is not listening within the readiness timeout. */
  readonly url: Promise<string>;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  /** SIGTERM, then its exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

export function servePanda(args: readonly string[], opts: { readyMs?: number } = {}): ServePanda {
  const child = spawn(process.execPath, [CLI, 'serve-panda', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const { timeoutMs, why } = readinessTimeout(opts.readyMs ?? 20_000);
  const url = new Promise<string>((resolve, reject) => {
    const started = Date.now();
    const timer = setTimeout(() => {
      reject(new Error(`serve-panda ${args.join(' ')}: not listening after ${((Date.now() - started) / 1000).toFixed(1)} s (timeout ${why}); it printed:\n${out || '(nothing)'}`));
    }, timeoutMs);
    const look = (b: Buffer) => {
      out += b.toString();
      const m = LISTENING.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve-panda ${args.join(' ')} exited (${signal ?? code}) before listening: ${out || '(nothing printed)'}`));
    });
  });
  // A caller that only wants the exit (bad flags) need not handle the rejection.
  url.catch(() => undefined);
  return {
    child,
    url,
    output: () => out,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
}
