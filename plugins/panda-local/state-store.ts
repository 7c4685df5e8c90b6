/**
 * Makes the dispatcher's state survive a restart: a snapshot file (written atomically:
 * temp, fsync, rename) plus a journal of every change since, one JSON line per change,
 * written before the reply goes out. On open the journal is replayed through the same
 * state machine, then folded into a fresh snapshot.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { ConfigError, ErrorCodes, isPlainObject } from '../../core/index.js';
import { DispatcherState, type PersistedState, type StateOp } from './dispatcher-state.js';
import type { TaskSpec } from './task-spec.js';

export interface OpenedState {
  readonly state: DispatcherState;
  readonly store: StateStore | undefined;
  /** Changes replayed from the journal. */
  readonly replayed: number;
  readonly restored: boolean;
}

/** Journal records after which the snapshot is rewritten, so a restart replays little. */
const COMPACT_EVERY = 5000;

export class StateStore {
  private fd: number;
  private sinceCompact = 0;

  private constructor(readonly path: string, private readonly state: DispatcherState, private readonly fsync: boolean) {
    this.fd = openSync(journalPath(path), 'a');
  }

  /**
   * Loads `path` (and its journal) when it exists, else starts `task` afresh. Without a path
   * the state lives in memory only.
   * @throws ConfigError when the file is not a dispatcher state, or belongs to another task.
   */
  static open(path: string | undefined, task: TaskSpec | undefined, now: number, options: { fsync?: boolean } = {}): OpenedState {
    if (!path) {
      if (!task) throw new ConfigError([{ path: 'task', expected: 'a task (no state file given)', got: 'nothing' }]);
      return { state: new DispatcherState(task, now), store: undefined, replayed: 0, restored: false };
    }
    let state: DispatcherState;
    let restored = false;
    if (existsSync(path)) {
      const saved = readSnapshot(path);
      if (task && task.taskId !== saved.task.taskId) {
        throw new ConfigError([{ path: 'state', expected: `a state file of task ${task.taskId}`, got: `${path} holds task ${saved.task.taskId}` }]);
      }
      state = new DispatcherState(saved.task, now, saved);
      restored = true;
    } else {
      if (!task) throw new ConfigError([{ path: 'task', expected: 'a task (the state file does not exist yet)', got: 'nothing' }]);
      state = new DispatcherState(task, now);
    }
    const replayed = replayJournal(path, state);
    const store = new StateStore(path, state, options.fsync ?? false);
    store.compact();
    return { state, store, replayed, restored: restored || replayed > 0 };
  }

  /** Appends one applied change; called before the reply is sent. */
  record(op: StateOp, time: number): void {
    writeSync(this.fd, `${JSON.stringify({ cmd: op.cmd, params: op.params, time })}\n`);
    if (this.fsync) fsyncSync(this.fd);
    if (++this.sinceCompact >= COMPACT_EVERY) this.compact();
  }

  /** Writes the whole state as the new snapshot and empties the journal. */
  compact(): void {
    this.sinceCompact = 0;
    const tmp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(this.state.persisted()));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    closeSync(this.fd);
    writeFileSync(journalPath(this.path), '');
    this.fd = openSync(journalPath(this.path), 'a');
  }

  /** Folds the journal into the snapshot and closes the files. */
  close(): void {
    this.compact();
    closeSync(this.fd);
  }
}

function journalPath(path: string): string {
  return `${path}.journal`;
}

function readSnapshot(path: string): PersistedState {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: 'state', expected: 'a dispatcher state file (JSON)', got: `${path}: ${(err as Error).message}` }], ErrorCodes.BADQUEUECONFIGURATION, 'unreadable dispatcher state');
  }
  if (!isPlainObject(doc) || doc['version'] !== 1 || !isPlainObject(doc['task']) || !Array.isArray(doc['ranges']) || !Array.isArray(doc['jobs'])) {
    throw new ConfigError([{ path: 'state', expected: 'a dispatcher state file (version 1)', got: path }], ErrorCodes.BADQUEUECONFIGURATION, 'unreadable dispatcher state');
  }
  return doc as unknown as PersistedState;
}

function replayJournal(path: string, state: DispatcherState): number {
  const file = journalPath(path);
  if (!existsSync(file)) return 0;
  const lines = readFileSync(file, 'utf8').split('\n');
  let n = 0;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rec: { cmd?: StateOp['cmd']; params?: Record<string, unknown>; time?: number };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch (err) {
      // Only the last line can be cut short by a crash; anything else is damage.
      if (lines.slice(i + 1).every((l) => !l.trim())) return;
      throw new ConfigError([{ path: `state journal line ${i + 1}`, expected: 'a JSON change record', got: (err as Error).message }], ErrorCodes.BADQUEUECONFIGURATION, 'damaged dispatcher journal');
    }
    if (!rec.cmd || !rec.params || typeof rec.time !== 'number') return;
    state.apply({ cmd: rec.cmd, params: rec.params }, rec.time);
    n++;
  });
  return n;
}
