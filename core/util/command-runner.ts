/**
 * The one way the pilot starts short-lived tools (xrdcp, gfal-copy, ...): an argument array
 * (never a shell), an environment scrubbed of secrets, a deadline that kills the whole process
 * group, and bounded captured output. Observers see every spawn (tests check argv and env).
 */
import { spawn } from 'node:child_process';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/secret-registry.js';

export interface CommandSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the (scrubbed) pilot environment; values holding a registered secret are dropped. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Hard deadline: SIGTERM to the process group, SIGKILL after `killGraceMs`. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly killGraceMs?: number;
  /** Bytes kept of each of stdout and stderr (the tail); default 64 KiB. */
  readonly maxOutputBytes?: number;
}

export interface CommandResult {
  /** Exit status, or null when a signal ended the process. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Captured output, secrets masked. */
  readonly stdout: string;
  readonly stderr: string;
  /** The deadline killed it. */
  readonly timedOut: boolean;
  /** The caller's signal killed it. */
  readonly aborted: boolean;
  readonly durationMs: number;
}

/** What an observer learns about each started child. */
export interface SpawnRecord {
  readonly pid: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export type SpawnListener = (record: SpawnRecord) => void;

const DEFAULT_OUTPUT = 64 * 1024;

export class CommandRunner {
  private readonly listeners = new Set<SpawnListener>();
  private readonly running = new Set<number>();

  constructor(
    private readonly secrets: SecretRegistry,
    private readonly log: Logger,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Calls `listener` synchronously after each spawn, while the child still runs. Returns the unsubscribe. */
  onSpawn(listener: SpawnListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs a command to completion. A non-zero exit is a result, not an error.
   * @throws PilotError INTERNALPILOTPROBLEM (1319) when an argument holds a registered secret
   *   (nothing is started); SETUPFAILURE (1110) when the program cannot be started.
   */
  async run(spec: CommandSpec): Promise<CommandResult> {
    spec.args.forEach((arg, i) => {
      if (this.secrets.contains(arg)) {
        throw new PilotError(ErrorCodes.INTERNALPILOTPROBLEM, `refusing to start ${spec.command}: argument ${i} holds a secret`, { recoverable: false });
      }
    });
    const env = this.secrets.scrubEnv({ ...this.baseEnv, ...spec.env });
    for (const k of Object.keys(spec.env ?? {})) {
      if (!(k in env)) this.log.warn(`${spec.command}: variable ${k} not passed on (it holds a credential)`);
    }
    const started = Date.now();
    return new Promise<CommandResult>((resolve, reject) => {
      // Own process group, so a deadline kills the tool and anything it started.
      const child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
      const max = spec.maxOutputBytes ?? DEFAULT_OUTPUT;
      const out = new OutputTail(max);
      const err = new OutputTail(max);
      child.stdout!.on('data', (b: Buffer) => out.push(b));
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      let timedOut = false;
      let aborted = false;
      let killTimer: NodeJS.Timeout | undefined;
      const kill = () => {
        if (child.pid === undefined) return;
        signalGroup(child.pid, 'SIGTERM');
        killTimer ??= setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), spec.killGraceMs ?? 5000);
      };
      const deadline = setTimeout(() => { timedOut = true; kill(); }, spec.timeoutMs);
      const onAbort = () => { aborted = true; kill(); };
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      if (spec.signal?.aborted) onAbort();
      const cleanup = () => {
        clearTimeout(deadline);
        if (killTimer) clearTimeout(killTimer);
        spec.signal?.removeEventListener('abort', onAbort);
        if (child.pid !== undefined) this.running.delete(child.pid);
      };
      child.once('error', (e: NodeJS.ErrnoException) => {
        cleanup();
        reject(new PilotError(ErrorCodes.SETUPFAILURE, `cannot start ${spec.command}: ${e.code === 'ENOENT' ? 'not found on PATH' : e.message}`, { cause: e, recoverable: false }));
      });
      if (child.pid !== undefined) {
        this.running.add(child.pid);
        this.log.debug(`started ${spec.command} ${spec.args.join(' ')} (pid ${child.pid})`);
        const record: SpawnRecord = Object.freeze({ pid: child.pid, command: spec.command, args: Object.freeze([...spec.args]), env: Object.freeze({ ...env }) });
        for (const l of this.listeners) l(record);
      }
      child.once('close', (code, signal) => {
        cleanup();
        const result: CommandResult = {
          exitCode: code,
          signal,
          stdout: this.secrets.mask(out.text()),
          stderr: this.secrets.mask(err.text()),
          timedOut,
          aborted,
          durationMs: Date.now() - started,
        };
        this.log.debug(`${spec.command} (pid ${child.pid}) ended: ${code ?? signal}${timedOut ? ' (deadline)' : ''} in ${result.durationMs} ms`);
        resolve(result);
      });
    });
  }

  /** Kills every child still running (end of run). */
  async dispose(): Promise<void> {
    for (const pid of this.running) signalGroup(pid, 'SIGKILL');
    this.running.clear();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Keeps the last `max` bytes of a stream. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size - this.chunks[0]!.length >= this.max) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}
