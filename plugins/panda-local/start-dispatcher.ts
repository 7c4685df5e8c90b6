/**
 * Starts the embedded PanDA dispatcher on 127.0.0.1: the programmatic API used by tests,
 * benchmarks, the demo and `espilot serve-panda`.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ConfigError, silentLogger, type Logger, type SecretRegistry, type ServerCommand } from '../../core/index.js';
import type { DispatcherCounts, DispatcherSnapshot } from './dispatcher-records.js';
import type { ServerProfile } from './server-profiles.js';
import { createDispatcherServer, type ReplyEncoding } from './dispatcher-server.js';
import { FaultInjector, type Fault, type FaultRecord } from './fault-injector.js';
import type { BodyLimits } from './request-body.js';
import { StateStore } from './state-store.js';
import { demoTaskPath, loadTaskFile, packageRoot, parseTask, type TaskSpec } from './task-spec.js';

export interface DispatcherOptions {
  /**
   * The task: a path to a task JSON file, or the task document itself. Default: the task of
   * the state file when it exists, else the demo task `config/demo-task.json`.
   */
  readonly task?: string | Record<string, unknown>;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Snapshot file (plus `<file>.journal`); the state survives restarts. Default: memory only. */
  readonly statePath?: string;
  /** fsync every journal record (survives a machine crash, not only a process restart). */
  readonly fsync?: boolean;
  /** Folder of key files served by getKeyPair (`<dir>/<keyName>`). */
  readonly keysDir?: string;
  /** Require this bearer token on every request; or read it from `tokenFile`. */
  readonly token?: string;
  readonly tokenFile?: string;
  /** Reply encoding: `auto` (default: JSON when the client accepts it), or forced `form` / `json`. */
  readonly encoding?: ReplyEncoding;
  /** Serve HTTPS; with `ca`, require a client certificate signed by it. PEM texts. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  /** Token and served keys are registered here (share the pilot's registry in one process). */
  readonly secrets?: SecretRegistry;
  readonly logger?: Logger;
  /** Time source for records (ms); default Date.now. */
  readonly clock?: () => number;
  /** Request body bounds, on the wire and after decompression; default 64 MiB each. */
  readonly bodyLimits?: BodyLimits;
  /** Which panda-server generation's parameter names to accept (`ps-2024` default, `ps-2015`). */
  readonly profile?: ServerProfile;
  /** Replaces `${ESPILOT_ROOT}` in task commands; default the package root. */
  readonly packageRoot?: string;
}

/** A running dispatcher. */
export interface DispatcherHandle {
  /** Base URL, e.g. `http://127.0.0.1:40123`; commands live under `/server/panda/`. */
  readonly url: string;
  readonly port: number;
  readonly task: TaskSpec;
  /** True when the state came from an existing state file. */
  readonly restored: boolean;
  /** A deep copy of the whole state: task, jobs, ranges and the logs of every call. */
  snapshot(): DispatcherSnapshot;
  /** Range counts and job states, cheap at any size (what progress displays poll). */
  counts(): DispatcherCounts;
  /** Queues a back-channel command (`softkill`, `tobekilled`) for a job until it ends (journalled). */
  command(pandaId: string, command: ServerCommand): void;
  /** Makes the next matching request(s) fail the given way (see FaultKind). */
  injectFault(fault: Fault): void;
  /** Drops the faults not produced yet. */
  clearFaults(): void;
  /** The faults produced so far, in order. */
  faultsProduced(): readonly FaultRecord[];
  /** Stops listening, closes connections and writes the final snapshot. */
  stop(): Promise<void>;
}

/**
 * @throws ConfigError for a bad task file, a state file of another task, or an unreadable
 *   token file; the listen error when the port is taken.
 */
export async function startDispatcher(options: DispatcherOptions = {}): Promise<DispatcherHandle> {
  const root = options.packageRoot ?? packageRoot();
  const clock = options.clock ?? Date.now;
  const log = (options.logger ?? silentLogger).child('panda-local');
  const task = resolveTask(options, root);
  const token = options.token ?? (options.tokenFile ? readToken(options.tokenFile) : undefined);
  options.secrets?.register(token);
  const { state, store, restored, replayed } = StateStore.open(options.statePath, task, clock(), { fsync: options.fsync ?? false });
  const faults = new FaultInjector();
  const server = createDispatcherServer({
    state, encoding: options.encoding ?? 'auto', log, clock, faults,
    ...(store ? { store } : {}), ...(token ? { token } : {}), ...(options.keysDir ? { keysDir: options.keysDir } : {}),
    ...(options.tls ? { tls: options.tls } : {}), ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.bodyLimits ? { bodyLimits: options.bodyLimits } : {}), ...(options.profile ? { profile: options.profile } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  log.info(`serving task ${state.task.taskId} at ${url}${restored ? ` (state restored, ${replayed} change(s) replayed)` : ''}`);
  let stopped: Promise<void> | undefined;
  return {
    url, port, task: state.task, restored,
    snapshot: () => state.snapshot(clock()),
    counts: () => state.counts(),
    command: (pandaId, command) => {
      const op = { cmd: 'setCommand' as const, params: { pandaId, command } };
      const now = clock();
      const reply = state.apply(op, now);
      if (reply.StatusCode !== 0) throw new ConfigError([{ path: 'pandaId', expected: 'a PandaID of this dispatcher', got: JSON.stringify(pandaId) }]);
      store?.record(op, now);
    },
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    faultsProduced: () => [...faults.produced],
    stop: () => (stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => store?.close())),
  };
}

function resolveTask(options: DispatcherOptions, root: string): TaskSpec | undefined {
  if (typeof options.task === 'string') return loadTaskFile(options.task, root);
  if (options.task) return parseTask(options.task, root);
  if (options.statePath && existsSync(options.statePath)) return undefined;
  return loadTaskFile(demoTaskPath(root), root);
}

function readToken(path: string): string {
  try {
    const token = readFileSync(path, 'utf8').trim();
    if (!token) throw new Error('the file is empty');
    return token;
  } catch (err) {
    throw new ConfigError([{ path: 'tokenFile', expected: 'a readable file holding the bearer token', got: `${path}: ${(err as Error).message}` }]);
  }
}
