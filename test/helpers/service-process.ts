/**
 * Long-running server processes that tests start (Swift, xrootd): spawned with an argument
 * array, stopped with SIGTERM then SIGKILL, and killed for sure when the test worker exits
 * so a failed test never leaves a server behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { scaled, slowdown } from './slowdown.js';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAll);
  // A benchmark stopped with Ctrl-C must not leave its servers behind (signals reach the main thread only).
  if (isMainThread) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        killAll();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    }
  }
}

/** Spawns a server whose stdout and stderr go to `logFile`. */
export function spawnService(command: string, args: readonly string[], logFile: string, options: SpawnOptions = {}): ChildProcess {
  installExitHook();
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, [...args], { ...options, stdio: ['ignore', fd, fd] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    child.once('error', () => live.delete(child));
    return child;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when every process has exited. */
export async function stopServices(children: readonly ChildProcess[], graceMs = 5000): Promise<void> {
  await Promise.all(children.map((child) => stopOne(child, graceMs)));
}

function stopOne(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** True while the process has not exited. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Ports nothing listens on right now (bind to 0 on loopback, then close). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import('node:net').Server>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A port that refuses connections: the address of a server that was just closed. */
export async function closedPort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** The last `lines` lines of a log file, for error messages. */
export function logTail(file: string, lines = 20): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/**
 * A readiness deadline: `baseMs` (what an idle machine needs, with room) times the slowdown
 * factor (slowdown.ts), and the words for an error message.
 */
export function readinessTimeout(baseMs: number): { readonly timeoutMs: number; readonly why: string } {
  const f = slowdown();
  return { timeoutMs: scaled(baseMs, f), why: `${baseMs} ms × slowdown ${f.toFixed(2)}` };
}

/**
 * Polls `check` every `intervalMs` until it returns a value, the deadline passes, or `alive`
 * turns false; the error says which, how long it waited (and `why` that long), and
 * `diagnostics` (the service's log tail).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs: number; why?: string; intervalMs?: number; alive?: () => boolean; diagnostics?: () => string },
): Promise<T> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const waited = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (opts.alive && !opts.alive()) throw new Error(`${what}: the process exited after ${waited()} of waiting\n${opts.diagnostics?.() ?? ''}`);
    if (Date.now() > deadline) throw new Error(`${what}: gave up after ${waited()} waiting (timeout ${opts.timeoutMs} ms${opts.why ? `: ${opts.why}` : ''})\n${opts.diagnostics?.() ?? ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
